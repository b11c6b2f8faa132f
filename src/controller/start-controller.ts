import { parseClusterSpiffeID, type ClusterSpiffeID } from '../api/spiffeid-v1beta1/cluster-spiffe-id.ts';
import { spiffeIdApiGroup, spiffeIdApiVersion } from '../api/spiffeid-v1beta1/group-version.ts';
import { parseSpiffeID, type SpiffeID } from '../api/spiffeid-v1beta1/spiffe-id.ts';
import { spiffeIdPolicy } from '../api/spiffeid-v1beta1/spiffe-id-policy.ts';
import { parseClusterFederatedTrustDomain, type ClusterFederatedTrustDomain } from '../api/spire-v1alpha1/cluster-federated-trust-domain.ts';
import { parseClusterSPIFFEID, type ClusterSPIFFEID } from '../api/spire-v1alpha1/cluster-spiffeid.ts';
import { parseClusterStaticEntry, type ClusterStaticEntry } from '../api/spire-v1alpha1/cluster-static-entry.ts';
import { spireApiGroup, spireApiVersion, spireGroupVersion } from '../api/spire-v1alpha1/group-version.ts';
import { parseEKSClusterRegistry, type EKSClusterRegistry } from '../api/v1alpha1/eks-cluster-registry.ts';
import { apiGroup, apiVersion, groupVersion } from '../api/v1alpha1/group-version.ts';
import { parseWorkloadIdentity, type WorkloadIdentity } from '../api/v1alpha1/workload-identity.ts';
import type { Validated } from '../api/validation.ts';
import type { ControllerManagerConfig } from '../config/controller-manager-config.ts';
import { ClusterManager } from '../fleet/cluster-manager.ts';
import { ClusterConnection } from '../kube/cluster-connection.ts';
import { EventRecorder } from '../kube/event-recorder.ts';
import { httpResourceSource } from '../kube/http-resource-source.ts';
import { Informer } from '../kube/informer.ts';
import { managementCredentials } from '../kube/kubeconfig.ts';
import { LeaderElector } from '../kube/leader-elector.ts';
import { httpLeaseClient } from '../kube/lease-client.ts';
import { StatusWriter } from '../kube/status-writer.ts';
import { startMetricsServer, startProbeServer, type RunningServer } from '../observability/http-server.ts';
import type { Logger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import { FleetState } from '../reconcile/fleet-state.ts';
import { Reconciler } from '../reconcile/reconciler.ts';
import { createEntryClient } from '../spire/entry-client.ts';
import { createTrustDomainClient } from '../spire/trust-domain-client.ts';
import { federationClaimAnnotation } from '../reconcile/federation-plan.ts';
import { kindValidators } from '../webhook/kind-validators.ts';
import { duplicateFinders } from '../webhook/duplicate-identities.ts';
import { startWebhookServer } from '../webhook/webhook-server.ts';
import { fencedEntryClient } from '../sharding/fenced-entry-client.ts';
import { fencedStatusConnection } from '../sharding/fenced-status-connection.ts';
import { shardMembership } from '../sharding/shard-membership.ts';
import { Controller } from './controller.ts';
import { DisabledKind } from './disabled-kind.ts';
import { labelSelectorText, sweepHold } from './sweep-hold.ts';
import { FederationRelationships } from './federation-relationships.ts';
import { managedObject, type ManagedObject } from './managed-object.ts';
import { objectHandlers } from './object-handlers.ts';
import { OptionalKind } from './optional-kind.ts';
import type { WorkItem } from './work-item.ts';

export interface StartControllerOptions {
  readonly config: ControllerManagerConfig;
  readonly logger: Logger;
  /** A kubeconfig file for the management cluster; default KUBECONFIG, else in-cluster. */
  readonly kubeconfigPath?: string;
  /** Overrides the config's spireServerSocketPath. */
  readonly spireSocketPath?: string;
}

/** A controller ready to run: `run` works until `signal` aborts (leading, when leader election is on). */
export interface ComposedController {
  run(signal: AbortSignal): Promise<void>;
}

/**
 * The composition of `run`: the one place that makes the controller's edges (the management connection,
 * the SPIRE client, informers, status writers, events, cluster connections, servers, leader election)
 * and hands them to the Controller. Throws for what stops it from starting (no kubeconfig, say).
 */
export function composeController(options: StartControllerOptions): ComposedController {
  const { config, logger } = options;
  // What changes what is read and deleted, said once at start (as spire-controller-manager does).
  logger.info(
    { reconcile: config.reconcile, className: config.className, watchClassless: config.watchClassless, clusterSPIFFEIDLabels: config.clusterSPIFFEIDCacheLabels, entryIDPrefix: config.entryIDPrefix, entryIDPrefixCleanup: config.entryIDPrefixCleanup },
    'Config loaded',
  );
  const connection = new ClusterConnection({ name: 'management', credentials: managementCredentials(options.kubeconfigPath) });
  const metrics = createMetrics();
  const shard = config.sharding.enabled ? shardMembership(connection, config, logger, () => controller.shardChanged()) : undefined;
  // Counted where requests are sent: one per batch, page and retry, which is what the server pays for.
  // With sharding every attempt of a write is fenced there too: a retry may come after the write window closed.
  const spire = createEntryClient({
    socketPath: options.spireSocketPath ?? config.spireServerSocketPath,
    onCall: (rpc) => {
      metrics.spireCalls.inc({ rpc });
      if (shard !== undefined && rpc.startsWith('Batch')) shard.checkWrite([]);
    },
  });
  const client = shard === undefined ? spire : fencedEntryClient(spire, shard);
  const trustDomains = createTrustDomainClient({
    socketPath: options.spireSocketPath ?? config.spireServerSocketPath,
    onCall: (rpc) => {
      metrics.spireCalls.inc({ rpc });
      if (shard !== undefined && rpc.startsWith('Batch')) shard.checkWrite([]);
    },
  });
  const state = new FleetState(config);
  // Informers run only once the controller leads, so their handlers never call it before it exists.
  const enqueue = (item: WorkItem): void => controller.enqueue(item);
  const registrarApi = { group: apiGroup, version: apiVersion };
  const spiffeIdApi = { group: spiffeIdApiGroup, version: spiffeIdApiVersion };
  const spireApi = { group: spireApiGroup, version: spireApiVersion };
  const informer = <T,>(
    api: { group: string; version: string },
    plural: string,
    parse: (raw: unknown) => Validated<T>,
    item: (key: string) => WorkItem,
    optional?: { kind?: OptionalKind<T> },
    labelSelector = '',
  ): Informer<ManagedObject<T>> => {
    // Named as its CRD is: two groups serve a clusterspiffeids resource.
    const resource = `${plural}.${api.group}`;
    const created = new Informer<ManagedObject<T>>({
      source: httpResourceSource(connection, { ...api, resource: plural }, { labelSelector }),
      transform: managedObject(parse),
      onError: (error) => logger.warn({ err: error }, `management ${resource}: ${error instanceof Error ? error.message : String(error)}`),
      // A refused list or watch (a missing permission, say) must be visible: the reflector retries it for ever.
      onReflectorEvent: (event) => {
        const kind = optional?.kind;
        if (kind?.observe(event) === true) logger.warn(`management ${resource}: not served (its CRD is not installed): none are handled until it is`);
        else if (event.type === 'error' && kind?.absent !== true) logger.warn({ err: event.error, retryInMs: event.retryInMs }, `management ${resource}: ${event.phase} failed: ${event.error instanceof Error ? event.error.message : String(event.error)}`);
      },
    });
    created.addEventHandler(objectHandlers(item, enqueue));
    return created;
  };
  const registries = informer<EKSClusterRegistry>(registrarApi, 'eksclusterregistries', parseEKSClusterRegistry, (name) => ({ kind: 'registry', name }));
  const identities = informer<WorkloadIdentity>(registrarApi, 'workloadidentities', parseWorkloadIdentity, (name) => ({ kind: 'identity', name }));
  // Kinds of a later release, whose CRDs an upgrade may have left out: OptionalKind.
  const optionalKind = <T,>(
    api: { group: string; version: string },
    plural: string,
    parse: (raw: unknown) => Validated<T>,
    item: (key: string) => WorkItem,
    labelSelector = '',
  ): { informer: Informer<ManagedObject<T>>; objects: OptionalKind<T> } => {
    const holder: { kind?: OptionalKind<T> } = {};
    const created = informer(api, plural, parse, item, holder, labelSelector);
    holder.kind = new OptionalKind(created);
    return { informer: created, objects: holder.kind };
  };
  // Their IDs are checked against the configured trust domain (and a SpiffeID's against the policy) at the edge, as plan does.
  const policy = spiffeIdPolicy(config);
  const clusterSpiffeIds = optionalKind<ClusterSpiffeID>(spiffeIdApi, 'clusterspiffeids', (raw) => parseClusterSpiffeID(raw, config.trustDomain), (name) => ({ kind: 'clusterspiffeid', name }));
  const spiffeIds = optionalKind<SpiffeID>(spiffeIdApi, 'spiffeids', (raw) => parseSpiffeID(raw, config.trustDomain, policy), (key) => ({ kind: 'spiffeid', key }));
  // A kind that `reconcile` turned off is neither listed nor watched (SCM's toggles); clusterSPIFFEIDCacheLabels narrows the other.
  const clusterSPIFFEIDs = config.reconcile.clusterSPIFFEIDs
    ? optionalKind<ClusterSPIFFEID>(spireApi, 'clusterspiffeids', (raw) => parseClusterSPIFFEID(raw, config.trustDomain), (name) => ({ kind: 'clusterSPIFFEID', name }), labelSelectorText(config.clusterSPIFFEIDCacheLabels))
    : { informer: undefined, objects: new DisabledKind<ClusterSPIFFEID>() };
  const clusterStaticEntries = config.reconcile.clusterStaticEntries
    ? optionalKind<ClusterStaticEntry>(spireApi, 'clusterstaticentries', (raw) => parseClusterStaticEntry(raw, config.trustDomain), (name) => ({ kind: 'clusterStaticEntry', name }))
    : { informer: undefined, objects: new DisabledKind<ClusterStaticEntry>() };
  const clusterFederatedTrustDomains = config.reconcile.clusterFederatedTrustDomains
    ? optionalKind<ClusterFederatedTrustDomain>(spireApi, 'clusterfederatedtrustdomains', (raw) => parseClusterFederatedTrustDomain(raw, config.trustDomain), (name) => ({ kind: 'clusterFederatedTrustDomain', name }))
    : { informer: undefined, objects: new DisabledKind<ClusterFederatedTrustDomain>() };
  const listSpireObjects = async (plural: string, labelSelector: string): Promise<readonly unknown[]> => {
    const query = labelSelector === '' ? '' : `?labelSelector=${encodeURIComponent(labelSelector)}`;
    const list = (await connection.requestJson('GET', `/apis/${spireApi.group}/${spireApi.version}/${plural}${query}`, { timeoutMs: 10_000 })) as { items?: unknown };
    return Array.isArray(list.items) ? list.items : [];
  };

  // With sharding a registry's status is its holder's, the others' one replica's (ADR 24), checked as each is sent.
  const statusWriter = (api: { group: string; version: string }, plural: string, namespaced = false): StatusWriter => {
    const mayWrite = shard === undefined ? undefined : plural === 'eksclusterregistries' && api === registrarApi ? (name: string) => shard.holds(name) : () => shard.writesFleetStatuses();
    return new StatusWriter({ connection: mayWrite === undefined ? connection : fencedStatusConnection(connection, mayWrite), ...api, plural, namespaced, logger });
  };
  const events = new EventRecorder({ connection, logger });
  const federation = new FederationRelationships({
    config,
    logger,
    metrics,
    objects: clusterFederatedTrustDomains.objects,
    client: trustDomains,
    status: statusWriter(spireApi, 'clusterfederatedtrustdomains'),
    events,
    // Ownership is recorded on the object with its finalizer in one optimistic write (ADR 26).
    patchClaim: async (name, resourceVersion, finalizers, trustDomain) => {
      const stored = (await connection.requestJson('PATCH', `/apis/${spireGroupVersion}/clusterfederatedtrustdomains/${encodeURIComponent(name)}`, {
        body: { metadata: { finalizers, resourceVersion, annotations: { [federationClaimAnnotation]: trustDomain ?? null } } },
        contentType: 'application/merge-patch+json',
      })) as { metadata?: { resourceVersion?: string; finalizers?: string[] } };
      return { resourceVersion: stored.metadata?.resourceVersion ?? '', finalizers: stored.metadata?.finalizers ?? [] };
    },
  });
  const controller: Controller = new Controller({
    config,
    logger,
    metrics,
    state,
    reconciler: new Reconciler({ client, state, logger, metrics, heldPrefixes: (): ReadonlySet<string> | undefined => controller.heldPrefixes(), sweepHold: () => sweepHold(config, listSpireObjects) }),
    registries,
    identities,
    clusterSpiffeIds: clusterSpiffeIds.objects,
    spiffeIds: spiffeIds.objects,
    clusterSPIFFEIDs: clusterSPIFFEIDs.objects,
    clusterStaticEntries: clusterStaticEntries.objects,
    federation,
    clusters: (listener) =>
      new ClusterManager({
        config,
        logger,
        listener,
        wantsEndpointSlices: (registry) => state.readsEndpointSlices(registry.metadata.name),
        // Informers keep the fields of pods and nodes that the cluster's templates reach; refresh re-lists when that changes.
        templateReach: (registry) => state.templateReach(registry.metadata.name),
      }),
    registryStatus: statusWriter(registrarApi, 'eksclusterregistries'),
    identityStatus: statusWriter(registrarApi, 'workloadidentities'),
    clusterSpiffeIdStatus: statusWriter(spiffeIdApi, 'clusterspiffeids'),
    spiffeIdStatus: statusWriter(spiffeIdApi, 'spiffeids', true),
    clusterSPIFFEIDStatus: statusWriter(spireApi, 'clusterspiffeids'),
    clusterStaticEntryStatus: statusWriter(spireApi, 'clusterstaticentries'),
    events,
    patchRegistryFinalizers: async (name, resourceVersion, finalizers) => {
      await connection.requestJson('PATCH', `/apis/${groupVersion}/eksclusterregistries/${encodeURIComponent(name)}`, {
        body: { metadata: { finalizers, resourceVersion } },
        contentType: 'application/merge-patch+json',
      });
    },
    ...(shard === undefined ? {} : { shard }),
  });
  const lead = async (leading: AbortSignal): Promise<void> => {
    const informers = [registries, identities, clusterSpiffeIds.informer, spiffeIds.informer, clusterSPIFFEIDs.informer, clusterStaticEntries.informer, clusterFederatedTrustDomains.informer];
    const running = informers.flatMap((cache) => (cache === undefined ? [] : [cache.run(leading).catch(() => {})]));
    try {
      await controller.lead(leading);
    } finally {
      await Promise.all(running);
    }
  };
  const run = async (signal: AbortSignal): Promise<void> => {
    const servers: RunningServer[] = [];
    try {
      servers.push(await startMetricsServer({ bindAddress: config.metrics.bindAddress === '0' ? '' : config.metrics.bindAddress, metrics }));
      servers.push(
        await startProbeServer({
          bindAddress: config.health.healthProbeBindAddress,
          livenessPath: config.health.livenessEndpointName,
          readinessPath: config.health.readinessEndpointName,
          checks: controller.readiness(),
        }),
      );
      // Every replica serves the webhook, the standbys too: admission must not wait for a leader.
      // Duplicates are looked up with a list per request: standbys have no caches, and applies are rare.
      const listObjects = async (path: string): Promise<readonly unknown[]> => {
        const list = (await connection.requestJson('GET', path, { timeoutMs: 2000 })) as { items?: unknown };
        return Array.isArray(list.items) ? list.items : [];
      };
      const duplicates = duplicateFinders(config.trustDomain, listObjects, policy);
      servers.push(await startWebhookServer({ port: config.webhook.port, certDir: config.webhook.certDir, validators: kindValidators(config), duplicates, logger }));
      const { leaderElection } = config;
      if (shard !== undefined) {
        // The controller stops before the Lease is released, so that no other replica takes a cluster it still writes for.
        const membership = new AbortController();
        const following = shard.run(membership.signal);
        try {
          await lead(signal);
        } finally {
          membership.abort();
          await following;
        }
        return;
      }
      if (!leaderElection.leaderElect) {
        await lead(signal);
        return;
      }
      const elector = new LeaderElector({
        lease: httpLeaseClient(connection, leaderElection.resourceNamespace, leaderElection.resourceName),
        leaseDurationMs: leaderElection.leaseDurationMs,
        renewDeadlineMs: leaderElection.renewDeadlineMs,
        retryPeriodMs: leaderElection.retryPeriodMs,
        onStartedLeading: lead,
        onNewLeader: (identity) => logger.info({ leader: identity }, 'New leader elected'),
        onError: (error) => logger.warn({ err: error }, 'Leader election'),
      });
      await elector.run(signal);
    } finally {
      await Promise.all(servers.map((server) => server.close()));
      spire.close();
      trustDomains.close();
      connection.close();
    }
  };
  return { run };
}
