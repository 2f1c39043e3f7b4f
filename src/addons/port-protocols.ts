import type { KubeObject } from './kube-object.js';

/**
 * Server-side apply in Kubernetes 1.20 refuses `ports` entries without `protocol` (it is part of
 * the list's key: "associative list with keys has an element that omits key field protocol").
 * Client-side `kubectl apply` never needed it, so manifests written for it (RKE users' add-ons)
 * omit it. Filling in the API's own default, TCP, keeps such manifests working.
 */
export function withPortProtocols<T extends KubeObject>(object: T): T {
  return fill(object) as T;
}

function fill(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => (key === 'ports' && isPortEntry(item) && !('protocol' in item) ? { ...item, protocol: 'TCP' } : fill(item)));
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, fill(v, k)]));
  }
  return value;
}

const isPortEntry = (item: unknown): item is Record<string, unknown> =>
  typeof item === 'object' && item !== null && ('containerPort' in item || 'port' in item);
