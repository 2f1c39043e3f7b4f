import { DroverError } from '../errors.js';

/**
 * The API answered with an error. `message` carries what was attempted and the API's own
 * Status message; `transient` (duck-typed by the executor) marks answers worth retrying.
 */
export class KubeApiError extends DroverError {
  readonly status: number;
  /** Status.reason: NotFound, AlreadyExists, Conflict, Invalid, Forbidden, TooManyRequests, ... */
  readonly reason: string;
  readonly transient: boolean;
  constructor(what: string, status: number, reason: string, apiMessage: string, hint?: string) {
    super(`${what}: ${apiMessage || reason || `HTTP ${status}`}`, hint ? { hint } : {});
    this.status = status;
    this.reason = reason;
    this.transient = status === 429 || status >= 500;
  }
}

/** The API could not be reached at all (socket failed, TLS refused, request timed out). */
export class KubeConnectError extends DroverError {
  readonly transient = true;
  constructor(what: string, cause: Error) {
    super(`${what}: cannot reach the Kubernetes API: ${cause.message}`, { cause, hint: 'is kube-apiserver running and its port forwarded?' });
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof KubeApiError && err.status === 404;

/** Turn a Status body (or anything the apiserver returned) into reason and message. */
export function statusOf(status: number, body: string): { reason: string; message: string } {
  try {
    const parsed = JSON.parse(body) as { kind?: string; reason?: string; message?: string };
    if (parsed && parsed.kind === 'Status') return { reason: parsed.reason ?? '', message: parsed.message ?? '' };
  } catch {
    // not JSON: fall through to the raw text
  }
  return { reason: '', message: body.trim().slice(0, 500) || `HTTP ${status}` };
}
