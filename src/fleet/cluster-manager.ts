import type { EKSClusterRegistry } from '../api/v1alpha1/eks-cluster-registry.ts';
import type { ControllerManagerConfig } from '../config/controller-manager-config.ts';
import {
  endpointSliceFromKubernetes,
  namespaceFromKubernetes,
  nodeFromKubernetes,
  podFromKubernetes,
  type ClusterEndpointSlice,
  type ClusterNamespace,
  type ClusterNode,
  type ClusterPod,
} from '../identity/cluster-objects.ts';
import { backoffDelayMs, waitToRetry, type BackoffPolicy } from '../backoff/backoff.ts';
import { systemClock, type Clock } from '../kube/clock.ts';
import { ClusterConnection } from '../kube/cluster-connection.ts';
import { httpResourceSource, type ResourceRef } from '../kube/http-resource-source.ts';
import { hasStatusCode } from '../kube/kube-api-error.ts';
import { Informer } from '../kube/informer.ts';
import { byNamespace, byNodeName } from '../kube/object-store.ts';
import type { ReflectorEvent } from '../kube/reflector.ts';
import { reachKey, type TemplateReach } from '../identity/template-reach.ts';
import type { Logger } from '../observability/logger.ts';
import type { ClusterObjects } from '../reconcile/fleet-state.ts';
import { accountAllowed, describeEksCluster, type ClusterEndpoint } from './eks-cluster.ts';
import { clusterCredentials, type CredentialSource } from './aws-credentials.ts';
import { eksTokenSource } from './eks-token-source.ts';
import { fleetTimingFromEnv, type FleetTiming } from './fleet-timing.ts';
import { checkLivenessProbeTiming, defaultLivenessProbeTiming, runLivenessProbe, type Liveness, type LivenessProbeTiming } from './liveness-probe.ts';

/**
 * The Ready condition's reasons for a workload cluster. Unreachable: a list or watch failed.
 * Unauthorized, Forbidden: the server refused the registrar's identity, or a permission (what onboarding
 * a cluster must grant). Unresponsive: nothing failed, but the server stopped answering (its liveness probe).
 */
export type ClusterReason = 'Connecting' | 'Synced' | 'DescribeFailed' | 'Unreachable' | 'Unauthorized' | 'Forbidden' | 'Unresponsive' | 'AccountNotAllowed' | 'Disabled';

export interface ClusterStatus {
  readonly ready: boolean;
  readonly reason: ClusterReason;
  readonly message: string;
}

/** What the manager tells the controller; every call only marks work. */
export interface ClusterListener {
  /** The cluster's caches are complete (first sync, or again after it was unreachable). */
  synced(cluster: string, objects: ClusterObjects): void;
  /** The cluster's caches can no longer be trusted to be complete. */
  lost(cluster: string): void;
  pod(cluster: string, key: string): void;
  node(cluster: string, name: string): void;
  namespace(cluster: string, name: string): void;
  endpointSlices(cluster: string, namespace: string): void;
  status(cluster: string, status: ClusterStatus): void;
}

export interface ClusterManagerOptions {
  readonly config: ControllerManagerConfig;
  readonly listener: ClusterListener;
  readonly logger: Logger;
  /** First retry delay of DescribeCluster, doubling to `maxBackoffMs`, each delay jittered by ±20%. Default 1000 ms. */
  readonly baseBackoffMs?: number;
  /** Default 60 000 ms. */
  readonly maxBackoffMs?: number;
  /** The clock of DescribeCluster's retries and of the informers and liveness probes. Default the system clock. */
  readonly clock?: Clock;
  /** Default: from the environment (see FleetTiming). */
  readonly timing?: FleetTiming;
  /** Where a cluster is (EKS DescribeCluster). Default `describeEksCluster`. */
  readonly describeCluster?: (clusterName: string, region: string, credentials: CredentialSource) => Promise<ClusterEndpoint>;
  /**
   * How each connected cluster is probed for signs of life (a list of one namespace), so that a server
   * that stops answering without closing its connections is reported Unresponsive. Default
   * `defaultLivenessProbeTiming`: every 5 s, 5 s to answer, 3 failures in a row, reported within 20 s.
   */
  readonly liveness?: LivenessProbeTiming;
  /**
   * Whether the cluster's EndpointSlices are watched: only an identity that auto-populates DNS names
   * reads them, and a large cluster has many that change often. Asked when a cluster is (re)connected and
   * by `refresh`. Default: always.
   */
  readonly wantsEndpointSlices?: (registry: EKSClusterRegistry) => boolean;
  /**
   * What the templates of the identities that target the cluster reach of its pods and nodes: the
   * informers keep that too (docs/templates.md). Asked when a cluster is (re)connected and by `refresh`,
   * which re-lists a cluster whose reach changed. Default: nothing beyond the engine's own view.
   */
  readonly templateReach?: (registry: EKSClusterRegistry) => TemplateReach | undefined;
}

/** The informers of one connected cluster, read through the engine's interface. */
class InformerObjects implements ClusterObjects {
  readonly pods: Informer<ClusterPod>;
  readonly nodes: Informer<ClusterNode>;
  readonly namespaces: Informer<ClusterNamespace>;
  /** Undefined when the cluster's EndpointSlices are not watched. */
  readonly slices: Informer<ClusterEndpointSlice> | undefined;
  constructor(pods: Informer<ClusterPod>, nodes: Informer<ClusterNode>, namespaces: Informer<ClusterNamespace>, slices: Informer<ClusterEndpointSlice> | undefined) {
    this.pods = pods;
    this.nodes = nodes;
    this.namespaces = namespaces;
    this.slices = slices;
  }
  pod(key: string): ClusterPod | undefined {
    return this.pods.store.get(key);
  }
  podKeys(): Iterable<string> {
    return this.pods.store.keys();
  }
  podKeysOnNode(nodeName: string): Iterable<string> {
    return this.pods.store.keysByIndex('node', nodeName);
  }
  podKeysInNamespace(namespace: string): Iterable<string> {
    return this.pods.store.keysByIndex('namespace', namespace);
  }
  node(name: string): ClusterNode | undefined {
    return this.nodes.store.get(name);
  }
  namespaceNames(): Iterable<string> {
    return this.namespaces.store.keys();
  }
  hasNamespace(name: string): boolean {
    return this.namespaces.store.get(name) !== undefined;
  }
  namespace(name: string): ClusterNamespace | undefined {
    return this.namespaces.store.get(name);
  }
  endpointSlices(): Iterable<ClusterEndpointSlice> {
    return this.slices?.store.list() ?? [];
  }
}

/** What a connected cluster's Ready condition is derived from. */
export interface ConnectedClusterView {
  readonly clusterName: string;
  readonly server: string;
  /** Every informer has listed once. */
  readonly synced: boolean;
  /** Why an informer's last list or watch failed; undefined while every one works. */
  readonly failing: string | undefined;
  /** The HTTP status of that failure when the server refused the registrar (401, 403). */
  readonly refusedWith?: number | undefined;
  readonly liveness: Liveness;
}

/**
 * The Ready condition of a connected cluster. A failed list or watch says more than a probe's silence
 * (a stopped server refuses both), so Unreachable wins; Unresponsive covers a server that fails nothing
 * because it answers nothing (frozen, or packets dropped), where watches just go quiet.
 */
export function connectedClusterStatus(view: ConnectedClusterView): ClusterStatus {
  const { liveness } = view;
  if (view.failing !== undefined && view.refusedWith === 401) {
    return {
      ready: false,
      reason: 'Unauthorized',
      message: `${view.clusterName} does not accept the registrar's AWS identity (${view.failing}): map its IAM role to the group config/workload-cluster/ binds, with an EKS access entry or aws-auth; its entries are kept`,
    };
  }
  if (view.failing !== undefined && view.refusedWith === 403) {
    return {
      ready: false,
      reason: 'Forbidden',
      message: `${view.clusterName} denies the registrar a permission (${view.failing}): apply config/workload-cluster/ in it; its entries are kept`,
    };
  }
  if (view.failing !== undefined) return { ready: false, reason: 'Unreachable', message: `${view.failing}; its entries are kept until it is back` };
  if (!liveness.responsive) {
    return {
      ready: false,
      reason: 'Unresponsive',
      message: `${view.server} has not answered since ${new Date(liveness.since).toISOString()}: ${liveness.failures} liveness probes in a row failed (the last: ${liveness.lastError}); its entries are kept until it answers`,
    };
  }
  if (view.synced) return { ready: true, reason: 'Synced', message: `watching pods, nodes and namespaces of ${view.clusterName}` };
  return { ready: false, reason: 'Connecting', message: `listing pods, nodes and namespaces of ${view.server}` };
}

/** What decides whether a cluster's connection must be rebuilt (labels alone do not). */
function connectionKey(registry: EKSClusterRegistry, config: ControllerManagerConfig, watchSlices: boolean, reach: TemplateReach | undefined): string {
  const { spec } = registry;
  const reached = reach === undefined ? '' : `${reachKey(reach.pod)} ${reachKey(reach.node)}`;
  return JSON.stringify([spec.enabled, spec.clusterName, spec.region, spec.accountId, spec.assumeRoleArn || config.aws.assumeRoleArn, accountAllowed(spec.accountId, config.aws.accountIds), watchSlices, reached]);
}

interface Running {
  readonly registry: EKSClusterRegistry;
  readonly key: string;
  readonly abort: AbortController;
  readonly done: Promise<void>;
}

/**
 * Connects to each enabled workload cluster and keeps informers on its pods, nodes, namespaces and
 * EndpointSlices, each cluster on its own lifecycle: DescribeCluster with backoff, then informers whose
 * reflectors back off on their own, and a liveness probe. A cluster whose watches fail, or that stops
 * answering its probe, is reported lost (its entries are kept by the reconciler) and synced again once it
 * lists and answers; one cluster never waits for another.
 */
export class ClusterManager {
  readonly #config: ControllerManagerConfig;
  readonly #listener: ClusterListener;
  readonly #logger: Logger;
  readonly #describeBackoff: BackoffPolicy;
  readonly #clock: Clock;
  readonly #timing: FleetTiming;
  readonly #describeCluster: (clusterName: string, region: string, credentials: CredentialSource) => Promise<ClusterEndpoint>;
  readonly #liveness: LivenessProbeTiming;
  readonly #running = new Map<string, Running>();
  readonly #wantsEndpointSlices: (registry: EKSClusterRegistry) => boolean;
  readonly #templateReach: (registry: EKSClusterRegistry) => TemplateReach | undefined;

  constructor(options: ClusterManagerOptions) {
    this.#config = options.config;
    this.#listener = options.listener;
    this.#logger = options.logger;
    this.#describeBackoff = { initialDelayMs: options.baseBackoffMs ?? 1000, maxDelayMs: options.maxBackoffMs ?? 60_000, multiplier: 2, jitter: { min: 0.8, max: 1.2 } };
    this.#clock = options.clock ?? systemClock;
    this.#timing = options.timing ?? fleetTimingFromEnv(process.env);
    this.#describeCluster = options.describeCluster ?? describeEksCluster;
    this.#liveness = checkLivenessProbeTiming(options.liveness ?? defaultLivenessProbeTiming);
    this.#wantsEndpointSlices = options.wantsEndpointSlices ?? (() => true);
    this.#templateReach = options.templateReach ?? (() => undefined);
  }

  /** Starts, keeps or restarts the cluster of `registry`. */
  async setRegistry(registry: EKSClusterRegistry): Promise<void> {
    const name = registry.metadata.name;
    const watchSlices = this.#wantsEndpointSlices(registry);
    const reach = this.#templateReach(registry);
    const key = connectionKey(registry, this.#config, watchSlices, reach);
    const running = this.#running.get(name);
    if (running?.key === key) {
      this.#running.set(name, { ...running, registry });
      return;
    }
    await this.remove(name);
    const { spec } = registry;
    if (!spec.enabled) {
      this.#listener.status(name, { ready: false, reason: 'Disabled', message: 'spec.enabled is false: the cluster is not watched and its entries are removed' });
      return;
    }
    if (!accountAllowed(spec.accountId, this.#config.aws.accountIds)) {
      this.#listener.status(name, {
        ready: false,
        reason: 'AccountNotAllowed',
        message: `spec.accountId ${spec.accountId} is not in the config's aws.accountIds (${this.#config.aws.accountIds.join(', ')})`,
      });
      return;
    }
    const abort = new AbortController();
    const done = this.#run(registry, watchSlices, reach, abort.signal).catch((error: unknown) => {
      if (!abort.signal.aborted) this.#logger.error({ cluster: name, err: error }, 'Cluster connection stopped');
    });
    this.#running.set(name, { registry, key, abort, done });
  }

  /**
   * Asks `wantsEndpointSlices` and `templateReach` again for every cluster and reconnects those whose
   * answer changed (an identity that auto-populates DNS names came or went, a template reaches other
   * fields of pods or nodes). A reconnected cluster lists again and is synced
   * again; its entries stay meanwhile and equal ones cause no write.
   */
  async refresh(): Promise<void> {
    for (const { registry } of [...this.#running.values()]) await this.setRegistry(registry);
  }

  /** Stops watching the cluster. */
  async remove(name: string): Promise<void> {
    const running = this.#running.get(name);
    if (running === undefined) return;
    this.#running.delete(name);
    running.abort.abort(new Error(`cluster ${name} removed`));
    await running.done;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#running.keys()].map((name) => this.remove(name)));
  }

  async #run(registry: EKSClusterRegistry, watchSlices: boolean, reach: TemplateReach | undefined, signal: AbortSignal): Promise<void> {
    const name = registry.metadata.name;
    const { spec } = registry;
    const logger = this.#logger.child({ cluster: name });
    const listener = this.#listener;
    listener.status(name, { ready: false, reason: 'Connecting', message: `describing EKS cluster ${spec.clusterName} in ${spec.region}` });
    const assumeRoleArn = spec.assumeRoleArn || this.#config.aws.assumeRoleArn;
    const timing = this.#timing;
    const stsRegion = this.#config.aws.region;
    const credentials = clusterCredentials({
      region: spec.region,
      durationSeconds: timing.assumeRoleDurationSeconds,
      refreshMarginMs: timing.credentialRefreshMarginMs,
      ...(assumeRoleArn === '' ? {} : { assumeRoleArn }),
      ...(stsRegion === undefined ? {} : { stsRegion }),
    });
    let endpoint;
    for (let attempt = 0; ; attempt++) {
      try {
        endpoint = await this.#describeCluster(spec.clusterName, spec.region, credentials);
        break;
      } catch (error) {
        if (signal.aborted) return;
        const message = `DescribeCluster ${spec.clusterName} in ${spec.region}${assumeRoleArn ? ` as ${assumeRoleArn}` : ''}: ${error instanceof Error ? error.message : String(error)}`;
        listener.status(name, { ready: false, reason: 'DescribeFailed', message });
        const retryInMs = backoffDelayMs(attempt, this.#describeBackoff, Math.random);
        logger.warn({ attempt, retryInMs }, message);
        // Removing the registry, a reconnect or shutdown must not sit out a wait of up to 72 s.
        if (!(await waitToRetry(this.#clock, retryInMs, signal))) return;
      }
    }
    // Signed for the cluster's region, not aws.region: the cluster's authenticator always accepts the STS
    // host of its own region, but others only if its partition's endpoint list has them (and it calls it).
    const tokens = eksTokenSource(spec.clusterName, spec.region, credentials, Date.now, timing.tokenRefreshMarginMs);
    const { server, caPem } = endpoint;
    const connection = new ClusterConnection({ name, credentials: async () => ({ server, caPem, token: await tokens() }) });
    let reported: ClusterStatus = { ready: false, reason: 'Connecting', message: `listing pods, nodes and namespaces of ${server}` };
    listener.status(name, reported);
    // Healthy: the informer's last list or watch worked. The cluster is ready when all are synced and
    // healthy and it answers its liveness probe.
    const healthy = new Map<string, boolean>();
    let liveness: Liveness = { responsive: true };
    let ready = false;
    let lastError = '';
    let refusedWith: number | undefined;
    const informers: Informer<unknown>[] = [];
    const objects = (): InformerObjects => new InformerObjects(pods, nodes, namespaces, slices);
    const view = (): ConnectedClusterView => ({
      clusterName: spec.clusterName,
      server,
      synced: informers.every((informer) => informer.hasSynced()),
      failing: [...healthy.values()].every(Boolean) ? undefined : lastError,
      refusedWith,
      liveness,
    });
    const update = (): void => {
      const status = connectedClusterStatus(view());
      // Reported when the reason changes: each new error of the same kind would otherwise be a status write.
      if (status.reason !== reported.reason) listener.status(name, status);
      reported = status;
      if (status.ready === ready) return;
      ready = status.ready;
      if (ready) listener.synced(name, objects());
      else listener.lost(name);
    };
    const make = <T,>(ref: ResourceRef, transform: (raw: unknown) => T, handlers: (key: string, object: T) => void, indexers?: Record<string, (o: T) => readonly string[]>): Informer<T> => {
      const informer = new Informer<T>({
        source: httpResourceSource(connection, ref),
        transform,
        clock: this.#clock,
        // Each period every pod, node, namespace and slice is handed to the controller again, which
        // re-renders and compares it (no write when equal): a cluster of 10 000 pods queues 10 000 items.
        resyncPeriodMs: this.#config.syncPeriodMs,
        watchTimeoutSeconds: (random) => Math.floor(timing.watchTimeoutSeconds * (1 + random())),
        ...(indexers ? { indexers } : {}),
        onError: (error) => logger.warn({ err: error }, `cannot read an object of ${ref.resource}`),
        onReflectorEvent: (event: ReflectorEvent) => {
          if (event.type === 'error') {
            lastError = `${ref.resource}: ${event.error instanceof Error ? event.error.message : String(event.error)}`;
            refusedWith = hasStatusCode(event.error, 401) ? 401 : hasStatusCode(event.error, 403) ? 403 : undefined;
            healthy.set(ref.resource, false);
            logger.warn({ retryInMs: event.retryInMs }, lastError);
          } else if (event.type === 'listed' || event.type === 'watch-ended') healthy.set(ref.resource, true);
          update();
        },
      });
      healthy.set(ref.resource, true);
      informer.addEventHandler({
        onAdd: (object, key, initial) => {
          if (!initial) handlers(key, object);
        },
        onUpdate: (_old, object, key) => handlers(key, object),
        onDelete: (object, key) => handlers(key, object),
      });
      informers.push(informer as Informer<unknown>);
      return informer;
    };
    const pods = make({ group: '', version: 'v1', resource: 'pods' }, (raw) => podFromKubernetes(raw, reach?.pod), (key) => ready && listener.pod(name, key), { namespace: byNamespace, node: byNodeName });
    const nodes = make({ group: '', version: 'v1', resource: 'nodes' }, (raw) => nodeFromKubernetes(raw, reach?.node), (key) => ready && listener.node(name, key));
    const namespaces = make({ group: '', version: 'v1', resource: 'namespaces' }, namespaceFromKubernetes, (key) => ready && listener.namespace(name, key));
    const slices = watchSlices
      ? make({ group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' }, endpointSliceFromKubernetes, (_key, slice) => ready && listener.endpointSlices(name, slice.namespace))
      : undefined;
    const probe = runLivenessProbe(
      {
        cluster: name,
        timing: this.#liveness,
        clock: this.#clock,
        // The cheapest read the informers' permissions already allow: it answers only if the server can
        // serve our reads now (authentication and storage included), and needs no RBAC of its own.
        probe: async (probeSignal) => {
          await connection.requestJson('GET', '/api/v1/namespaces?limit=1', { signal: probeSignal });
        },
        onChange: (now) => {
          liveness = now;
          if (now.responsive) logger.info('Cluster answers its liveness probe again');
          else logger.warn({ since: new Date(now.since).toISOString(), failures: now.failures, lastError: now.lastError }, 'Cluster does not answer its liveness probe; its entries are kept');
          update();
        },
      },
      signal,
    );
    try {
      const runs = [...informers.map((informer) => informer.run(signal).catch(() => {})), probe];
      await Promise.all(informers.map((informer) => informer.waitForSync(signal))).then(update, () => {});
      await Promise.all(runs);
    } finally {
      connection.close();
    }
  }
}
