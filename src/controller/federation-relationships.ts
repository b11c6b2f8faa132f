import type { ClusterFederatedTrustDomain } from '../api/spire-v1alpha1/cluster-federated-trust-domain.ts';
import { clusterFederatedTrustDomainKind } from '../api/spire-v1alpha1/cluster-federated-trust-domain.ts';
import { spireGroupVersion } from '../api/spire-v1alpha1/group-version.ts';
import type { ControllerManagerConfig } from '../config/controller-manager-config.ts';
import type { InvolvedObject } from '../kube/event-recorder.ts';
import type { Logger } from '../observability/logger.ts';
import type { RegistrarMetrics } from '../observability/metrics.ts';
import { actsOnClass } from '../reconcile/cluster-spiffeid-identity.ts';
import { federationClaimAnnotation, federationFinalizer, type TrustDomainObject } from '../reconcile/federation-plan.ts';
import { reconcileFederation, type FederationOutcome } from '../reconcile/federation-reconciler.ts';
import type { TrustDomainClient } from '../spire/trust-domain-client.ts';
import type { EventSink, ManagedObjects, StatusSink } from './controller.ts';
import type { ManagedObject } from './managed-object.ts';
import { clusterFederatedTrustDomainStatus } from './status-reporter.ts';

/** What a claim patch left on the object. */
export interface StoredClaim {
  readonly resourceVersion: string;
  readonly finalizers: readonly string[];
}

export interface FederationRelationshipsDeps {
  /** `reconcile.clusterFederatedTrustDomains` (SCM's toggle): off, the relationships are neither listed nor written. */
  readonly config: Pick<ControllerManagerConfig, 'className' | 'watchClassless' | 'reconcile'>;
  readonly logger: Logger;
  readonly metrics: RegistrarMetrics;
  readonly objects: ManagedObjects<ClusterFederatedTrustDomain>;
  readonly client: TrustDomainClient;
  readonly status: StatusSink;
  readonly events: EventSink;
  /**
   * Replaces the object's finalizers and sets its ownership annotation to `trustDomain` (removes it for
   * undefined), optimistically at `resourceVersion`; resolves with what is stored.
   */
  patchClaim(name: string, resourceVersion: string, finalizers: readonly string[], trustDomain: string | undefined): Promise<StoredClaim>;
}

/** A claim written since the informer last showed the object (`from` is the resourceVersion it showed). */
interface PendingClaim extends StoredClaim {
  readonly from: string;
  readonly claim: string | undefined;
}

function involved(object: ManagedObject<unknown>): InvolvedObject {
  return { apiVersion: spireGroupVersion, kind: clusterFederatedTrustDomainKind, name: object.name, uid: object.uid };
}

/**
 * The ClusterFederatedTrustDomains' side of the controller: one federation reconciliation over every
 * object (the relationships are few and one listing reads them all), ownership recorded on the objects,
 * and their statuses, events and metrics. The controller's worker calls it, so it never overlaps itself.
 */
export class FederationRelationships {
  readonly objects: ManagedObjects<ClusterFederatedTrustDomain>;
  readonly #deps: FederationRelationshipsDeps;
  readonly #pending = new Map<string, PendingClaim>();
  #outcomes = new Map<string, FederationOutcome>();

  constructor(deps: FederationRelationshipsDeps) {
    this.#deps = deps;
    this.objects = deps.objects;
  }

  /** The object as last written here, or as the informer shows it once it caught up. */
  #view(object: ManagedObject<ClusterFederatedTrustDomain>): { claim: string | undefined; resourceVersion: string; finalizers: readonly string[] } {
    const pending = this.#pending.get(object.name);
    if (pending !== undefined && pending.from === object.resourceVersion) return pending;
    this.#pending.delete(object.name);
    const claim = object.annotations[federationClaimAnnotation];
    return { claim: claim === undefined || claim === '' ? undefined : claim, resourceVersion: object.resourceVersion, finalizers: object.finalizers };
  }

  async #recordClaim(name: string, trustDomain: string | undefined): Promise<void> {
    const object = this.objects.store.get(name);
    if (object === undefined) throw new Error('the object is gone');
    const view = this.#view(object);
    const finalizers = trustDomain === undefined ? view.finalizers.filter((f) => f !== federationFinalizer) : view.finalizers.includes(federationFinalizer) ? view.finalizers : [...view.finalizers, federationFinalizer];
    const stored = await this.#deps.patchClaim(name, view.resourceVersion, finalizers, trustDomain);
    this.#pending.set(name, { ...stored, from: object.resourceVersion, claim: trustDomain });
  }

  /** Reconciles every relationship; throws (to be retried) when SPIRE cannot be listed or a write or claim failed. */
  async reconcile(): Promise<void> {
    const { config, logger, metrics, events } = this.#deps;
    // Turned off: nothing is read, so nothing owned is deleted either (the toggle is no reason to delete).
    if (!config.reconcile.clusterFederatedTrustDomains) return;
    const byName = new Map<string, ManagedObject<ClusterFederatedTrustDomain>>();
    const objects: TrustDomainObject[] = [];
    for (const object of this.objects.store.list()) {
      byName.set(object.name, object);
      const view = this.#view(object);
      const { parsed } = object;
      const wants = !parsed.ok ? 'invalid' : !actsOnClass(parsed.value.spec.className, config) ? 'other-class' : parsed.value.spec.relationship;
      // Another controller's object that owns nothing here is none of this registrar's business.
      if (wants === 'other-class' && view.claim === undefined) continue;
      // The finalizer without the record (the annotation removed by hand): nothing is owned, the object may go.
      if (object.deleting && view.claim === undefined && view.finalizers.includes(federationFinalizer)) {
        await this.#recordClaim(object.name, undefined);
        continue;
      }
      objects.push({ name: object.name, creationTimestamp: parsed.ok ? parsed.value.metadata.creationTimestamp : undefined, deleting: object.deleting, claim: view.claim, wants });
    }
    for (const name of this.#pending.keys()) if (!byName.has(name)) this.#pending.delete(name);
    const report = await reconcileFederation(this.#deps.client, (name, trustDomain) => this.#recordClaim(name, trustDomain), objects);

    const owners = new Map(objects.flatMap((object) => (object.claim === undefined ? [] : [[object.claim, object.name] as const])));
    for (const [operation, trustDomains, reason] of [
      ['create', report.created, 'RelationshipCreated'],
      ['update', report.updated, 'RelationshipUpdated'],
      ['delete', report.deleted, 'RelationshipDeleted'],
    ] as const) {
      metrics.federationWrites.inc({ operation, outcome: 'ok' }, trustDomains.length);
      metrics.federationWrites.inc({ operation, outcome: 'failed' }, report.failedWrites[operation]);
      for (const trustDomain of trustDomains) {
        const name = operation === 'delete' ? owners.get(trustDomain) : [...report.outcomes].find(([, outcome]) => outcome.state === 'set' && outcome.trustDomain === trustDomain)?.[0];
        const message = `${operation === 'create' ? 'created' : operation === 'update' ? 'updated' : 'deleted'} the SPIRE server's federation relationship with ${trustDomain}`;
        logger.info({ trustDomain, clusterFederatedTrustDomain: name }, `Federation relationship: ${message}`);
        const object = name === undefined ? undefined : byName.get(name);
        if (object !== undefined) events.event(involved(object), 'Normal', reason, message);
      }
    }
    // What changed for an object is told once, not at every reconciliation.
    for (const [name, outcome] of report.outcomes) {
      const before = this.#outcomes.get(name);
      const object = byName.get(name);
      if (object === undefined || outcome.state === 'set' || JSON.stringify(before) === JSON.stringify(outcome)) continue;
      const status = clusterFederatedTrustDomainStatus(object, outcome, new Date());
      const message = (status?.conditions as { message: string }[] | undefined)?.find(() => true)?.message ?? outcome.state;
      const reason = outcome.state === 'conflict' ? 'RelationshipNotOwned' : outcome.state === 'masked' ? 'Masked' : 'RelationshipFailed';
      logger.warn({ clusterFederatedTrustDomain: name, trustDomain: outcome.trustDomain }, `ClusterFederatedTrustDomain ${name}: ${message}`);
      events.event(involved(object), 'Warning', reason, message);
    }
    this.#outcomes = new Map(report.outcomes);
    const counts = { set: 0, conflict: 0, masked: 0, failed: 0 };
    for (const outcome of report.outcomes.values()) counts[outcome.state]++;
    for (const [state, count] of Object.entries(counts)) metrics.federationRelationships.set({ state }, count);
    if (report.failures.length > 0) throw new Error(`${report.failures.length} federation relationship writes failed; the first: ${report.failures[0]}`);
  }

  /** Writes the status of every object of this class (each only when it changed). */
  writeStatuses(now: Date): void {
    for (const object of this.objects.store.list()) {
      if (object.parsed.ok && !actsOnClass(object.parsed.value.spec.className, this.#deps.config)) continue;
      const status = clusterFederatedTrustDomainStatus(object, this.#outcomes.get(object.name), now);
      if (status !== undefined) this.#deps.status.update(object.name, status);
    }
  }

  /** An object is gone: its status is no longer written. */
  forget(name: string): void {
    this.#deps.status.forget(name);
    this.#outcomes.delete(name);
  }

  flush(): Promise<void> {
    return this.#deps.status.flush();
  }
}
