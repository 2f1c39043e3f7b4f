import type { ApplyResult, KubeObject, ObjectRef, WorkloadKind } from '../addons/kube-object.js';

/**
 * What tasks may ask of the Kubernetes API, as an interface (like ClusterOps for nodes): plans
 * close over it and stay pure; src/kube/ops.ts implements it over a KubeClient; tests fake it.
 * Every call names the objects it is about in its errors.
 */
export interface KubeWaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface KubeDrainOptions extends KubeWaitOptions {
  /** Also evict pods no controller owns (kubectl drain --force). */
  force?: boolean;
  /** Overrides each pod's grace period when >= 0. */
  gracePeriodSeconds?: number;
}

/** The fields of a Node object callers read. */
export interface KubeNode {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { podCIDR?: string; unschedulable?: boolean; taints?: { key: string; value?: string; effect: string }[] };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

export interface KubeOps {
  /** Server-side apply (field manager drover, force); `dryRun` = the API validates, stores nothing. */
  apply(objects: readonly KubeObject[], opts: { dryRun: boolean; signal?: AbortSignal }): Promise<ApplyResult[]>;
  /** Deletes objects (workloads first, Namespaces and CRDs last); absent ones are fine. */
  delete(objects: readonly KubeObject[], opts: { dryRun: boolean; signal?: AbortSignal }): Promise<{ ref: ObjectRef; action: 'deleted' | 'absent' }[]>;
  waitRollout(kind: WorkloadKind, namespace: string, name: string, opts: KubeWaitOptions): Promise<void>;
  waitNodesReady(names: readonly string[], opts: KubeWaitOptions): Promise<void>;
  /** Cordon, evict all but DaemonSet and mirror pods, wait until they are gone. A missing node is fine. */
  cordonAndDrain(node: string, opts: KubeDrainOptions): Promise<void>;
  uncordon(node: string): Promise<void>;
  getNode(name: string): Promise<KubeNode | undefined>;
  /** JSON merge patch (RFC 7386) of a Node: labels, annotations, spec.taints, spec.podCIDR. */
  patchNode(name: string, patch: Record<string, unknown>): Promise<void>;
  /** Delete the Node object; absent is fine. */
  deleteNode(node: string): Promise<void>;
}
