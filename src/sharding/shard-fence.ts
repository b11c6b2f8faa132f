// When a replica may write for its clusters (ADR 24). Every time is this process's own clock: nothing
// here compares clocks across hosts.

/** The lease timing every replica is configured with (config.leaderElection). */
export interface FenceTiming {
  /** How long others wait, after they last saw a replica's Lease change, before they count it gone. */
  readonly leaseDurationMs: number;
  /**
   * How long a replica writes after it last renewed its Lease (and listed the others): leaseDuration
   * minus the margin, which covers a write in flight and the others' view of the renewal.
   */
  readonly renewDeadlineMs: number;
}

/** What a replica knows of its own standing; times in ms on its own clock, when each request was sent. */
export interface FenceState {
  /** The last successful renewal (or creation) of its own Lease. */
  readonly renewedAt: number | undefined;
  /** The last successful list of the replicas' Leases. */
  readonly listedAt: number | undefined;
  /** When it (re)joined: its first renewal, or the first after one that came too late. */
  readonly joinedAt: number | undefined;
}

export const initialFenceState: FenceState = { renewedAt: undefined, listedAt: undefined, joinedAt: undefined };

export type FenceDecision = { readonly write: true } | { readonly write: false; readonly reason: string };

/**
 * After a renewal sent at `sentAt` succeeded. A replica whose previous renewal is older than the write
 * window had stopped writing and may have been counted gone: it joins again, as a new replica does.
 */
export function renewed(state: FenceState, sentAt: number, timing: FenceTiming): FenceState {
  const lapsed = state.renewedAt === undefined || state.joinedAt === undefined || sentAt - state.renewedAt >= timing.renewDeadlineMs;
  return { ...state, renewedAt: sentAt, joinedAt: lapsed ? sentAt : state.joinedAt };
}

/** After a list of the replicas' Leases sent at `sentAt` succeeded. */
export function listed(state: FenceState, sentAt: number): FenceState {
  return { ...state, listedAt: sentAt };
}

/**
 * Whether the replica may write now. It must have renewed its Lease and listed the others within the
 * write window (so a replica that others count gone, or that missed a newcomer, has stopped), and have
 * been a member for a whole leaseDuration (so that every replica still writing has seen it, or stopped).
 */
export function fenceDecision(state: FenceState, timing: FenceTiming, now: number): FenceDecision {
  const { renewedAt, listedAt, joinedAt } = state;
  if (renewedAt === undefined || joinedAt === undefined) return { write: false, reason: 'its shard Lease is not held yet' };
  if (now - renewedAt >= timing.renewDeadlineMs) return { write: false, reason: `its shard Lease was last renewed ${now - renewedAt} ms ago (the write window is ${timing.renewDeadlineMs} ms)` };
  if (listedAt === undefined || now - listedAt >= timing.renewDeadlineMs) return { write: false, reason: `the other replicas' Leases were not listed within ${timing.renewDeadlineMs} ms` };
  if (now - joinedAt < timing.leaseDurationMs) return { write: false, reason: `it joined ${now - joinedAt} ms ago and waits ${timing.leaseDurationMs} ms, until every other replica has seen it` };
  return { write: true };
}
