/** Where a cluster is and how to prove who we are to it, for one request. */
export interface ClusterCredentials {
  /** `https://host[:port][/prefix]`. */
  readonly server: string;
  /** The CA that signs the server's certificate, PEM; the system's roots when absent. */
  readonly caPem?: string;
  /** A bearer token (an EKS token, a service account token, a static token). */
  readonly token?: string;
  /** A client certificate and its key, PEM, for certificate authentication. */
  readonly clientCertPem?: string;
  readonly clientKeyPem?: string;
  /** Overrides the name checked in the server's certificate (kubeconfig `tls-server-name`). */
  readonly tlsServerName?: string;
  /** Accepts any server certificate (kubeconfig `insecure-skip-tls-verify`). Never for a real fleet. */
  readonly insecureSkipTlsVerify?: boolean;
}

/**
 * Credentials for one request. Asked for on every request, long watches included, because EKS bearer
 * tokens expire after 15 minutes and a watch that reconnects must present a fresh one; a source caches
 * what it can (see src/fleet/eks-token-source.ts; src/kube/kubeconfig.ts for the management cluster).
 */
export type ClusterCredentialSource = () => Promise<ClusterCredentials>;

