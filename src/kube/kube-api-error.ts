/** What the apiserver said about a failed request (a metav1.Status), or what we inferred from the HTTP status. */
export interface KubeStatus {
  /** The HTTP status code the Status carries, e.g. 410. */
  readonly code: number;
  /** A machine-readable reason such as `Expired`, `Gone`, `Conflict`, `NotFound`; empty if none. */
  readonly reason: string;
  readonly message: string;
}

/** A request the apiserver answered with an error: says which request, on which cluster, and why. */
export class KubeApiError extends Error {
  readonly status: KubeStatus;
  constructor(where: string, status: KubeStatus) {
    super(`${where}: ${status.code}${status.reason ? ` ${status.reason}` : ''}${status.message ? `: ${status.message}` : ''}`);
    this.name = 'KubeApiError';
    this.status = status;
  }

  get code(): number {
    return this.status.code;
  }
}

/** Reads a metav1.Status from a response body, falling back to the HTTP status and the body's text. */
export function parseStatus(httpStatus: number, body: unknown): KubeStatus {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const status = body as Record<string, unknown>;
    return {
      code: typeof status.code === 'number' ? status.code : httpStatus,
      reason: typeof status.reason === 'string' ? status.reason : '',
      message: typeof status.message === 'string' ? status.message : '',
    };
  }
  return { code: httpStatus, reason: '', message: typeof body === 'string' ? body.slice(0, 500).trim() : '' };
}

/**
 * Whether `error` says the resource version asked for is gone from the server's history (410 Gone or
 * reason Expired): a watch cannot resume from it, and the cure is a fresh list.
 */
export function isResourceVersionGone(error: unknown): boolean {
  return error instanceof KubeApiError && (error.code === 410 || error.status.reason === 'Expired' || error.status.reason === 'Gone');
}

/** Whether the apiserver answered `code` (e.g. 404 NotFound, 409 Conflict). */
export function hasStatusCode(error: unknown, code: number): boolean {
  return error instanceof KubeApiError && error.code === code;
}
