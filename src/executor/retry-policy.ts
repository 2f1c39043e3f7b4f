/**
 * Which failures are worth another try, and how long to wait. Pure: no clocks, no I/O; the
 * random source is passed in so tests are deterministic.
 */

/** Throw (or wrap) with this to say "the same call may succeed later". */
export class TransientError extends Error {
  /** Duck-typed marker, so layers that must not import the executor can set it themselves. */
  readonly transient = true;
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'TransientError';
  }
}

/** Socket-level failures that a retry (usually on a fresh connection) tends to fix. */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNREFUSED', 'EAI_AGAIN', 'ECONNABORTED']);

/**
 * true when retrying may help: a TransientError (or any error with `transient: true`), a
 * socket error code above, or an HTTP 5xx from the Docker API (transport/docker-api.ts sets `statusCode`).
 * Causes are followed, so a wrapped ECONNRESET is still transient. 501 (not implemented) and
 * explicit `transient: false` are permanent.
 */
export function isTransient(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 8; depth++) {
    const fields = e as { transient?: unknown; code?: unknown; statusCode?: unknown; cause?: unknown };
    if (fields.transient === true) return true;
    if (fields.transient === false) return false;
    if (typeof fields.code === 'string' && TRANSIENT_CODES.has(fields.code)) return true;
    if (typeof fields.statusCode === 'number' && fields.statusCode >= 500 && fields.statusCode <= 599) {
      return fields.statusCode !== 501;
    }
    e = fields.cause;
  }
  return false;
}

export interface RetryPolicy {
  /** Total tries including the first (1 = never retry). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 15_000 };

/**
 * Exponential backoff with "equal jitter": half the step is fixed, half random, so retries of
 * many hosts failing together (a flapping switch) do not come back in lockstep.
 * `failedAttempt` is the number of the attempt that just failed (1-based); random() in [0,1).
 */
export function backoffDelayMs(policy: RetryPolicy, failedAttempt: number, random: () => number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

export function shouldRetry(policy: RetryPolicy, err: unknown, failedAttempt: number): boolean {
  return failedAttempt < policy.maxAttempts && isTransient(err);
}
