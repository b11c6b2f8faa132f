import { z } from 'zod';
import { positiveDurationMsSchema } from '../api/v1alpha1/duration.ts';
import { accountIdSchema, awsRegionSchema, roleArnSchema } from '../api/v1alpha1/eks-cluster-registry.ts';
import { labelKeyProblem, labelsSchema, labelValueProblem } from '../api/v1alpha1/label-selector.ts';
import { groupVersion } from '../api/v1alpha1/group-version.ts';
import { templateTextSchema } from '../api/v1alpha1/template-text.ts';
import { entryIdCharacters, maxEntryIdPrefixLength } from '../identity/entry-id.ts';
import { compileNodeAliasTemplate, defaultNodeAliasIDTemplate, nodeAliasEntry, nodeAliasTemplateField } from '../identity/node-alias.ts';
import { trustDomainSchema } from '../api/trust-domain-schema.ts';
import { defaultNamespacedIDPrefixTemplate, namespacedIDPrefixField, namespacedIdPrefixTemplateProblem } from '../api/spiffeid-v1beta1/spiffe-id-policy.ts';
import { TemplateError } from '../template/index.ts';

/** The default parent ID: the SPIRE agent of the pod's node, attested with k8s_psat. */
export const defaultParentIDTemplate = 'spiffe://{{ .TrustDomain }}/spire/agent/k8s_psat/{{ .ClusterName }}/{{ .NodeMeta.UID }}';

/** The parent ID of agents attested with aws_iid, for `parentIDTemplate`. */
export const awsIidParentIDTemplate = 'spiffe://{{ .TrustDomain }}/spire/agent/aws_iid/{{ .AccountID }}/{{ .Region }}/{{ .InstanceID }}';

/**
 * The pod controller (the retired k8s-workload-registrar's behaviour): an entry for every pod, named by a
 * label, an annotation or the pod's namespace and service account, without any object to declare it.
 */
export interface PodControllerConfig {
  /** Default false. */
  readonly enabled: boolean;
  /** A label whose value names the pod's identity: `spiffe://<trustDomain>/<value>`. Default empty. */
  readonly podLabel: string;
  /** Or an annotation (not both). Default empty; with neither, every pod gets `spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>`. */
  readonly podAnnotation: string;
}

export interface LeaderElectionConfig {
  /** Default true. */
  readonly leaderElect: boolean;
  /** The Lease's name. Default `spire-eks-workload-registrar.spire.io`. */
  readonly resourceName: string;
  /** The Lease's namespace. Default `spire-system`. */
  readonly resourceNamespace: string;
  /** Default 15s. */
  readonly leaseDurationMs: number;
  /** Default 10s. */
  readonly renewDeadlineMs: number;
  /** Default 2s. */
  readonly retryPeriodMs: number;
}

/** Splitting the workload clusters among replicas (ADR 24). */
export interface ShardingConfig {
  /**
   * Each replica holds a Lease (named `<leaderElection.resourceName>-<replica>`, in
   * leaderElection.resourceNamespace, with leaderElection's durations) and writes only for the clusters
   * the ring gives it; leaderElect is then not used. Default false.
   */
  readonly enabled: boolean;
}

export interface AwsConfig {
  /**
   * The region of the STS calls that make the controller's credentials: the default chain's own (web
   * identity, a profile's role) and AssumeRole. Undefined: the chain's own choice (AWS_REGION, the
   * profile's region, else us-east-1) and, for AssumeRole, the registry's region. DescribeCluster and the
   * EKS token always use the registry's region.
   */
  readonly region: string | undefined;
  /** When non-empty, only registries of these accounts are managed. Default empty (any account). */
  readonly accountIds: readonly string[];
  /** Role assumed for registries that name none; empty for none. */
  readonly assumeRoleArn: string;
}

/**
 * Which spire-controller-manager kinds are read and acted on (its `reconcile` key). A kind that is off is
 * not watched, makes no entries and gets no status; entries it may have made are not swept while objects
 * of it exist (docs/scm-resources.md#configuration).
 */
export interface ReconcileConfig {
  readonly clusterSPIFFEIDs: boolean;
  readonly clusterFederatedTrustDomains: boolean;
  readonly clusterStaticEntries: boolean;
}

/** The controller's configuration file (kind ControllerManagerConfig), validated, with defaults applied. */
export interface ControllerManagerConfig {
  /** The SPIFFE trust domain of every entry. Required. */
  readonly trustDomain: string;
  /** The management cluster's name. Default `default`. */
  readonly clusterName: string;
  /** The workload clusters' DNS domain, for auto-populated DNS names and `.ClusterDomain`. Default `cluster.local`. */
  readonly clusterDomain: string;
  /** Default `/run/spire/sockets/server.sock`. */
  readonly spireServerSocketPath: string;
  /** The controller owns exactly the entries whose ID starts with this. Default `eks-workload-`. */
  readonly entryIDPrefix: string;
  /** The parent ID of identities that set none. Default: the k8s_psat agent of the pod's node. */
  readonly parentIDTemplate: string;
  /**
   * The SPIFFE ID of each cluster's node alias, the default parent of ClusterSpiffeID and SpiffeID entries:
   * a Go template over `.TrustDomain` and `.ClusterName` (the EKS cluster's name, which must be the
   * k8s_psat attestor's cluster name of its agents). Default `spiffe://{{ .TrustDomain }}/k8s-cluster/{{ .ClusterName }}/nodes`.
   */
  readonly nodeAliasIDTemplate: string;
  /** Off by default. */
  readonly podController: PodControllerConfig;
  /**
   * What a SpiffeID (namespaced: the kind a tenant may be allowed to create) may name, so that the right
   * to create SpiffeIDs in a namespace gives no power over another namespace's identities (ADR 23).
   */
  readonly spiffeIDPolicy: {
    /**
     * A Go template over `.TrustDomain` and `.Namespace`: a SpiffeID's `spec.spiffeId` must be the ID it
     * renders for the SpiffeID's namespace or below it (by path segment). Empty: no rule. Default
     * `spiffe://{{ .TrustDomain }}/ns/{{ .Namespace }}/`.
     */
    readonly namespacedIDPrefixTemplate: string;
    /**
     * A SpiffeID's cluster DNS names (`*.<namespace>.svc`, `*.<namespace>.pod`, with or without
     * `.<clusterDomain>`) must be of its own namespace. Default true.
     */
    readonly clusterDNSNamesInOwnNamespace: boolean;
  };
  /**
   * The controller class of this registrar, as spire-controller-manager's: it acts on ClusterSPIFFEIDs and
   * ClusterStaticEntries whose `spec.className` is this. Default empty (then it acts on the objects without
   * one), so that two registrars can share a management cluster.
   */
  readonly className: string;
  /** Whether it also acts on objects without `spec.className` when `className` is set. Default false. */
  readonly watchClassless: boolean;
  /**
   * spire-controller-manager's `reconcile`: without the key every kind is on; with it, each kind it does
   * not set to true is off (SCM's rule).
   */
  readonly reconcile: ReconcileConfig;
  /**
   * The ClusterSPIFFEID informer lists and watches only objects with these labels (SCM's
   * `clusterSPIFFEIDLabelSelector`), with `spire.spiffe.io/class-name: <className>` added when
   * `filterByClassName` is true. Default empty: every ClusterSPIFFEID.
   */
  readonly clusterSPIFFEIDCacheLabels: Readonly<Record<string, string>>;
  /**
   * Entry ID prefixes whose entries are deleted at each full reconciliation (SCM's `entryIDPrefixCleanup`:
   * the prefix of another controller's entries, taken over here), each as SCM writes IDs: with a "." added;
   * "" stands for SCM's unprefixed entries (IDs without a "."). Never the registrar's own entries, nor
   * join-token node entries. Default none.
   */
  readonly entryIDPrefixCleanup: readonly string[];
  /** Full reconciliation period. Default 10m. */
  readonly gcIntervalMs: number;
  /** Pods of namespaces matching any of these (unanchored, as Go's regexp.MatchString) are never selected. */
  readonly ignoreNamespaces: readonly RegExp[];
  readonly aws: AwsConfig;
  /**
   * How often every cached pod, node, namespace and EndpointSlice of each workload cluster is handed to
   * the controller again to be re-rendered and compared (controller-runtime's SyncPeriod: an informer
   * resync, each informer's period drawn between 0.9 and 1.1 times this). Default 10h.
   */
  readonly syncPeriodMs: number;
  readonly leaderElection: LeaderElectionConfig;
  readonly sharding: ShardingConfig;
  /** `host:port` or `:port`; `0` disables metrics. Default `:8080`. */
  readonly metrics: { readonly bindAddress: string };
  readonly health: {
    /** Default `:8081`. */
    readonly healthProbeBindAddress: string;
    /** Default `readyz`. */
    readonly readinessEndpointName: string;
    /** Default `healthz`. */
    readonly livenessEndpointName: string;
  };
  /** The validating webhook, served on `port` by every replica once `certDir` holds `tls.crt` and `tls.key` (ADR 19). */
  readonly webhook: {
    /** Default 9443. */
    readonly port: number;
    /** Default `/tmp/k8s-webhook-server/serving-certs`. */
    readonly certDir: string;
  };
}

const bindAddressPattern = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]*):(\d{1,5})$/;

const bindAddressSchema = z.string().refine(
  (address) => {
    if (address === '0') return true;
    const port = bindAddressPattern.exec(address)?.[1];
    return port !== undefined && Number(port) <= 65535;
  },
  { error: (issue) => `invalid bind address ${JSON.stringify(issue.input)}: expected host:port, :port or 0` },
);

const endpointNameSchema = z.string().regex(/^[A-Za-z0-9._~-]+$/, { error: (issue) => `invalid endpoint name ${JSON.stringify(issue.input)}` });

const regexSchema = z.string().transform((pattern, ctx): RegExp => {
  try {
    return new RegExp(pattern, 'u');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}` });
    return z.NEVER;
  }
});

const leaderElectionSchema = z
  .strictObject({
    leaderElect: z.boolean().default(true),
    resourceName: z.string().min(1).default('spire-eks-workload-registrar.spire.io'),
    resourceNamespace: z.string().min(1).default('spire-system'),
    leaseDuration: positiveDurationMsSchema.default(15_000),
    renewDeadline: positiveDurationMsSchema.default(10_000),
    retryPeriod: positiveDurationMsSchema.default(2_000),
  })
  .superRefine((election, ctx) => {
    // client-go's own checks: a leader must renew before its lease runs out, and retry in between.
    if (election.leaseDuration <= election.renewDeadline) {
      ctx.addIssue({ code: 'custom', path: ['leaseDuration'], message: 'must be longer than renewDeadline' });
    }
    if (election.renewDeadline <= 1.2 * election.retryPeriod) {
      ctx.addIssue({ code: 'custom', path: ['renewDeadline'], message: 'must be longer than 1.2 x retryPeriod' });
    }
  })
  .transform(
    (election): LeaderElectionConfig => ({
      leaderElect: election.leaderElect,
      resourceName: election.resourceName,
      resourceNamespace: election.resourceNamespace,
      leaseDurationMs: election.leaseDuration,
      renewDeadlineMs: election.renewDeadline,
      retryPeriodMs: election.retryPeriod,
    }),
  );

const defaultLeaderElection: LeaderElectionConfig = {
  leaderElect: true,
  resourceName: 'spire-eks-workload-registrar.spire.io',
  resourceNamespace: 'spire-system',
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

// A label or annotation key (they share the syntax), or empty for none.
const metadataKeySchema = z.string().superRefine((key, ctx) => {
  const problem = key === '' ? undefined : labelKeyProblem(key);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem.replace('label key', 'key') });
});

const clusterDomainSchema = z
  .string()
  .regex(/^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/, { error: (issue) => `invalid cluster domain ${JSON.stringify(issue.input)}` });

const entryIdPrefixSchema = z
  .string()
  .min(1, { error: 'must not be empty: the controller owns exactly the entries whose ID starts with it' })
  .max(maxEntryIdPrefixLength, { error: `must be at most ${maxEntryIdPrefixLength} characters (entry IDs are at most 255)` })
  .regex(entryIdCharacters, { error: 'may contain only letters, digits, ".", "-" and "_"' });

/** spire-controller-manager's label for a ClusterSPIFFEID's class, which `filterByClassName` selects on. */
export const classNameLabel = 'spire.spiffe.io/class-name';

/** SCM's `addDotSuffix`: its entry IDs are `<prefix>.<uuid>`. */
function scmIdPrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('.') ? prefix : `${prefix}.`;
}

const cleanupPrefixSchema = z.string().regex(entryIdCharacters, { error: 'may contain only letters, digits, ".", "-" and "_"' });

export const controllerManagerConfigSchema = z
  .strictObject({
    apiVersion: z
      .literal(groupVersion, { error: (issue) => `expected ${groupVersion}, not ${JSON.stringify(issue.input)}${issue.input === 'spire.spiffe.io/v1alpha1' ? ": spire-controller-manager's config is read with the registrar's meanings, so its keys must be checked first (docs/scm-resources.md#configuration)" : ''}` })
      .optional(),
    kind: z.literal('ControllerManagerConfig').optional(),
    trustDomain: trustDomainSchema,
    clusterName: z.string().min(1).default('default'),
    clusterDomain: clusterDomainSchema.default('cluster.local'),
    spireServerSocketPath: z.string().min(1).default('/run/spire/sockets/server.sock'),
    entryIDPrefix: entryIdPrefixSchema.default('eks-workload-'),
    parentIDTemplate: templateTextSchema('config parentIDTemplate').default(defaultParentIDTemplate),
    nodeAliasIDTemplate: templateTextSchema(nodeAliasTemplateField).default(defaultNodeAliasIDTemplate),
    podController: z
      .strictObject({
        enabled: z.boolean().default(false),
        podLabel: metadataKeySchema.default(''),
        podAnnotation: metadataKeySchema.default(''),
      })
      .refine((pods) => pods.podLabel === '' || pods.podAnnotation === '', { error: 'set podLabel or podAnnotation, not both', path: ['podAnnotation'] })
      .nullish(),
    spiffeIDPolicy: z
      .strictObject({
        namespacedIDPrefixTemplate: templateTextSchema(namespacedIDPrefixField, { allowEmpty: true }).default(defaultNamespacedIDPrefixTemplate),
        clusterDNSNamesInOwnNamespace: z.boolean().default(true),
      })
      .nullish(),
    className: z.string().default(''),
    watchClassless: z.boolean().default(false),
    reconcile: z
      .strictObject({
        clusterSPIFFEIDs: z.boolean().default(false),
        clusterFederatedTrustDomains: z.boolean().default(false),
        clusterStaticEntries: z.boolean().default(false),
      })
      .nullish(),
    clusterSPIFFEIDLabelSelector: labelsSchema.nullish(),
    filterByClassName: z.boolean().default(false),
    entryIDPrefixCleanup: z.union([cleanupPrefixSchema, z.array(cleanupPrefixSchema)]).nullish(),
    gcInterval: positiveDurationMsSchema.default(600_000),
    ignoreNamespaces: z.array(regexSchema).nullish(),
    aws: z
      .strictObject({
        region: awsRegionSchema.nullish(),
        accountIds: z.array(accountIdSchema).nullish(),
        assumeRoleArn: roleArnSchema.nullish(),
      })
      .nullish(),
    syncPeriod: positiveDurationMsSchema.default(36_000_000),
    leaderElection: leaderElectionSchema.nullish(),
    sharding: z.strictObject({ enabled: z.boolean().default(false) }).nullish(),
    metrics: z.strictObject({ bindAddress: bindAddressSchema.default(':8080') }).nullish(),
    health: z
      .strictObject({
        healthProbeBindAddress: bindAddressSchema.default(':8081'),
        readinessEndpointName: endpointNameSchema.default('readyz'),
        livenessEndpointName: endpointNameSchema.default('healthz'),
      })
      .nullish(),
    webhook: z
      .strictObject({
        port: z.number().int().min(1).max(65535).default(9443),
        certDir: z.string().min(1).default('/tmp/k8s-webhook-server/serving-certs'),
      })
      .nullish(),
  })
  .superRefine((config, ctx) => {
    // SCM's own check; and the label carries the class, so it must be a label value.
    if (config.filterByClassName) {
      if (config.className === '') ctx.addIssue({ code: 'custom', path: ['filterByClassName'], message: 'requires className to be set' });
      else if (labelValueProblem(config.className) !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['filterByClassName'], message: `className ${JSON.stringify(config.className)} is not a label value, which the ${classNameLabel} label needs` });
      }
    }
    const cleanups = config.entryIDPrefixCleanup;
    for (const [index, written] of (typeof cleanups === 'string' ? [cleanups] : (cleanups ?? [])).entries()) {
      const prefix = scmIdPrefix(written);
      // Either prefix of the other would let the cleanup reach the registrar's own entries.
      if (prefix !== '' && (prefix.startsWith(config.entryIDPrefix) || config.entryIDPrefix.startsWith(prefix))) {
        const path = typeof cleanups === 'string' ? ['entryIDPrefixCleanup'] : ['entryIDPrefixCleanup', index];
        ctx.addIssue({ code: 'custom', path, message: `${JSON.stringify(written)} (entries ${JSON.stringify(prefix)}...) overlaps entryIDPrefix ${JSON.stringify(config.entryIDPrefix)}: the cleanup would reach the registrar's own entries` });
      }
    }
  })
  .superRefine((config, ctx) => {
    // Refused here rather than cluster by cluster at run time: a template that cannot make a valid ID.
    let compiled;
    try {
      compiled = compileNodeAliasTemplate(config.nodeAliasIDTemplate);
    } catch (error) {
      // The field's own schema has reported it; zod runs this refinement all the same.
      if (error instanceof TemplateError) return;
      throw error;
    }
    const rendered = nodeAliasEntry(compiled, config.trustDomain, 'example-cluster');
    if (!rendered.ok) ctx.addIssue({ code: 'custom', path: ['nodeAliasIDTemplate'], message: rendered.problem });
    // The replicas' Leases carry it as a label value, which the apiserver limits to 63 characters.
    if (config.sharding?.enabled === true) {
      const ring = config.leaderElection?.resourceName ?? defaultLeaderElection.resourceName;
      const problem = labelValueProblem(ring);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['leaderElection', 'resourceName'], message: `${problem}: with sharding the replicas' Leases carry it as a label value` });
      // The cleanup is fleet-wide (it waits while any cluster is unsynced), and a sharded replica knows its own clusters only.
      const cleanups = config.entryIDPrefixCleanup;
      if (cleanups !== undefined && cleanups !== null && (typeof cleanups === 'string' || cleanups.length > 0)) {
        ctx.addIssue({ code: 'custom', path: ['entryIDPrefixCleanup'], message: 'cannot be used with sharding.enabled: no replica knows whether every cluster is synced; take over from spire-controller-manager with one replica, then shard' });
      }
    }
  })
  .superRefine((config, ctx) => {
    const text = config.spiffeIDPolicy?.namespacedIDPrefixTemplate ?? defaultNamespacedIDPrefixTemplate;
    let problem;
    try {
      problem = text === '' ? undefined : namespacedIdPrefixTemplateProblem(text, config.trustDomain);
    } catch (error) {
      // A template that does not parse: its field's own schema has reported it.
      if (error instanceof TemplateError) return;
      throw error;
    }
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['spiffeIDPolicy', 'namespacedIDPrefixTemplate'], message: problem });
  })
  .transform(
    (config): ControllerManagerConfig => ({
      trustDomain: config.trustDomain,
      clusterName: config.clusterName,
      clusterDomain: config.clusterDomain,
      spireServerSocketPath: config.spireServerSocketPath,
      entryIDPrefix: config.entryIDPrefix,
      parentIDTemplate: config.parentIDTemplate,
      nodeAliasIDTemplate: config.nodeAliasIDTemplate,
      podController: config.podController ?? { enabled: false, podLabel: '', podAnnotation: '' },
      spiffeIDPolicy: config.spiffeIDPolicy ?? { namespacedIDPrefixTemplate: defaultNamespacedIDPrefixTemplate, clusterDNSNamesInOwnNamespace: true },
      className: config.className,
      watchClassless: config.watchClassless,
      reconcile: config.reconcile ?? { clusterSPIFFEIDs: true, clusterFederatedTrustDomains: true, clusterStaticEntries: true },
      // As SCM merges them: the class label wins over the same key in the selector.
      clusterSPIFFEIDCacheLabels: { ...config.clusterSPIFFEIDLabelSelector, ...(config.filterByClassName ? { [classNameLabel]: config.className } : {}) },
      entryIDPrefixCleanup: [...new Set((typeof config.entryIDPrefixCleanup === 'string' ? [config.entryIDPrefixCleanup] : (config.entryIDPrefixCleanup ?? [])).map(scmIdPrefix))],
      gcIntervalMs: config.gcInterval,
      ignoreNamespaces: config.ignoreNamespaces ?? [],
      aws: {
        region: config.aws?.region ?? undefined,
        accountIds: config.aws?.accountIds ?? [],
        assumeRoleArn: config.aws?.assumeRoleArn ?? '',
      },
      syncPeriodMs: config.syncPeriod,
      leaderElection: config.leaderElection ?? defaultLeaderElection,
      sharding: { enabled: config.sharding?.enabled ?? false },
      metrics: { bindAddress: config.metrics?.bindAddress ?? ':8080' },
      health: {
        healthProbeBindAddress: config.health?.healthProbeBindAddress ?? ':8081',
        readinessEndpointName: config.health?.readinessEndpointName ?? 'readyz',
        livenessEndpointName: config.health?.livenessEndpointName ?? 'healthz',
      },
      webhook: {
        port: config.webhook?.port ?? 9443,
        certDir: config.webhook?.certDir ?? '/tmp/k8s-webhook-server/serving-certs',
      },
    }),
  );
