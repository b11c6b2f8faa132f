import { z } from 'zod';
import { customResourceSchema, parseCustomResource, type CustomResource } from '../custom-resource.ts';
import type { Validated } from '../validation.ts';
import { conditionSchema, type Condition } from './condition.ts';
import { groupVersion } from './group-version.ts';
import { labelsSchema } from './label-selector.ts';

export const eksClusterRegistryKind = 'EKSClusterRegistry';

/** One workload cluster of the fleet. */
export interface EKSClusterRegistrySpec {
  /** The EKS cluster's name in AWS; templates see it as `.ClusterName`. */
  readonly clusterName: string;
  /** AWS region of the cluster, e.g. `us-west-2`; templates see it as `.Region`. */
  readonly region: string;
  /** The 12-digit AWS account ID; templates see it as `.AccountID`. */
  readonly accountId: string;
  /** Whether the registrar watches this cluster and keeps its entries. Default true. */
  readonly enabled: boolean;
  /** IAM role to assume to reach the cluster; empty for none (the config's `aws.assumeRoleArn` then applies). */
  readonly assumeRoleArn: string;
  /** Labels that WorkloadIdentity `clusterSelector`s match. Default none. */
  readonly labels: Readonly<Record<string, string>>;
}

/** What the registrar reports about the cluster. */
export interface EKSClusterRegistryStatus {
  /** RFC 3339 time of the last successful synchronisation. */
  readonly lastSync: string | undefined;
  readonly conditions: readonly Condition[];
  /** Namespaces discovered in the cluster (those not ignored). */
  readonly namespacesCount: number | undefined;
  /** SPIRE entries the registrar keeps for the cluster. */
  readonly entriesRegistered: number | undefined;
  /** With sharding, the replica that holds the cluster (its Lease's name). */
  readonly shard?: string | undefined;
}

export type EKSClusterRegistry = CustomResource<typeof eksClusterRegistryKind, EKSClusterRegistrySpec, EKSClusterRegistryStatus>;

const eksClusterName = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const awsRegion = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
const accountIdPattern = /^\d{12}$/;
const roleArn = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/** A 12-digit AWS account ID; YAML reads an unquoted one as a number and drops leading zeros. */
export const accountIdSchema = z
  .string({ error: (issue) => (typeof issue.input === 'number' ? `must be a 12-digit string: quote it in YAML ("${issue.input}")` : undefined) })
  .regex(accountIdPattern, { error: (issue) => `invalid AWS account ID ${JSON.stringify(issue.input)}: must be 12 digits` });

export const awsRegionSchema = z.string().regex(awsRegion, { error: (issue) => `invalid AWS region ${JSON.stringify(issue.input)}` });

/** An IAM role ARN, or empty for none. */
export const roleArnSchema = z
  .string()
  .refine((arn) => arn === '' || roleArn.test(arn), { error: (issue) => `invalid IAM role ARN ${JSON.stringify(issue.input)}: expected arn:aws:iam::<account>:role/<name>` });

const specSchema = z
  .strictObject({
    clusterName: z.string().regex(eksClusterName, {
      error: (issue) => `invalid EKS cluster name ${JSON.stringify(issue.input)}: 1-100 letters, digits, "-" and "_", starting with a letter or digit`,
    }),
    region: awsRegionSchema,
    accountId: accountIdSchema,
    enabled: z.boolean().optional(),
    assumeRoleArn: roleArnSchema.nullish(),
    labels: labelsSchema.nullish(),
  })
  .transform(
    (spec): EKSClusterRegistrySpec => ({
      clusterName: spec.clusterName,
      region: spec.region,
      accountId: spec.accountId,
      enabled: spec.enabled ?? true,
      assumeRoleArn: spec.assumeRoleArn ?? '',
      labels: spec.labels ?? {},
    }),
  );

const statusSchema = z
  .looseObject({
    lastSync: z.string().nullish(),
    conditions: z.array(conditionSchema).nullish(),
    namespacesCount: z.number().int().nonnegative().nullish(),
    entriesRegistered: z.number().int().nonnegative().nullish(),
    shard: z.string().nullish(),
  })
  .transform(
    (status): EKSClusterRegistryStatus => ({
      lastSync: status.lastSync ?? undefined,
      conditions: status.conditions ?? [],
      namespacesCount: status.namespacesCount ?? undefined,
      entriesRegistered: status.entriesRegistered ?? undefined,
      ...(typeof status.shard === 'string' ? { shard: status.shard } : {}),
    }),
  );

const emptyStatus: EKSClusterRegistryStatus = { lastSync: undefined, conditions: [], namespacesCount: undefined, entriesRegistered: undefined };

export const eksClusterRegistrySchema = customResourceSchema({ apiVersion: groupVersion, kind: eksClusterRegistryKind, spec: specSchema, status: statusSchema, emptyStatus });

/** Validates a Kubernetes object as an EKSClusterRegistry; errors read `EKSClusterRegistry <name>: <field>: <problem>`. */
export function parseEKSClusterRegistry(object: unknown): Validated<EKSClusterRegistry> {
  return parseCustomResource(eksClusterRegistrySchema, eksClusterRegistryKind, object);
}
