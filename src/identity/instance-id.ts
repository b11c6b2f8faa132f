const awsProviderId = /^aws:\/\/\/[^/]*\/(i-[0-9a-f]+)$/;

/** The EC2 instance ID in a node's providerID (`aws:///us-west-2a/i-0123456789abcdef0`), or empty. */
export function instanceIdFromProviderId(providerID: string): string {
  return awsProviderId.exec(providerID)?.[1] ?? '';
}
