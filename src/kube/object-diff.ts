import type { KubeObject } from '../addons/kube-object.js';

/** Fields the server maintains: they change without the object's meaning changing. */
const SERVER_METADATA = ['managedFields', 'resourceVersion', 'generation', 'creationTimestamp', 'uid', 'selfLink'];

function comparable(o: KubeObject): Record<string, unknown> {
  const { status: _status, metadata, ...rest } = o as KubeObject & { status?: unknown };
  const meta: Record<string, unknown> = { ...metadata };
  for (const k of SERVER_METADATA) delete meta[k];
  return { ...rest, metadata: meta };
}

/** Stable JSON: keys sorted, so field order never counts as a change. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Top-level fields (metadata, spec, data, rules, ...) that differ between two versions of an object. */
export function changedFields(before: KubeObject, after: KubeObject): string[] {
  const a = comparable(before);
  const b = comparable(after);
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => canonicalJson(a[k]) !== canonicalJson(b[k]));
}

/** Whether everything `want` says is also in `have` (maps recursively; lists and scalars exactly). */
export function containsFields(have: unknown, want: unknown): boolean {
  if (want && typeof want === 'object' && !Array.isArray(want)) {
    if (!have || typeof have !== 'object' || Array.isArray(have)) return false;
    return Object.entries(want as Record<string, unknown>).every(([k, v]) => v === undefined || containsFields((have as Record<string, unknown>)[k], v));
  }
  return canonicalJson(have) === canonicalJson(want);
}
