/**
 * Kubernetes objects as plain data: what add-on builders return, what the manifest parser
 * yields and what the API client applies. Kept loose on purpose — the apiserver validates.
 */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/** How errors, plans and waits name one object. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export const refOf = (o: KubeObject): ObjectRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
});

/** "Deployment kube-system/coredns", "ClusterRole system:coredns". */
export const describeRef = (r: Pick<ObjectRef, 'kind' | 'name' | 'namespace'>): string => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;

/** The workloads drover waits on after applying them. */
export type WorkloadKind = 'Deployment' | 'DaemonSet' | 'StatefulSet';
export const WORKLOAD_KINDS: readonly string[] = ['Deployment', 'DaemonSet', 'StatefulSet'];

export interface WorkloadRef {
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

export function workloadsOf(objects: readonly KubeObject[]): WorkloadRef[] {
  return objects
    .filter((o) => WORKLOAD_KINDS.includes(o.kind) && o.apiVersion.startsWith('apps/'))
    .map((o) => ({ kind: o.kind as WorkloadKind, namespace: o.metadata.namespace ?? 'default', name: o.metadata.name }));
}

/** What server-side apply did (or would do, in a dry run) to one object. */
export interface ApplyResult {
  ref: ObjectRef;
  action: 'created' | 'configured' | 'unchanged';
  /** Top-level fields that differ (spec, data, rules, ...), for a changed object. */
  changedFields?: string[];
}
