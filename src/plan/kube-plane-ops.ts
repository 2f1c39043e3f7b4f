import type { ClusterNode, Taint } from '../model/cluster.js';
import type { TaskChange } from '../executor/task.js';

export type ControlPlaneComponent = 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler';

/** The labels and taints drover keeps on a Node object (cluster.yml's plus RKE's role labels). */
export interface NodeMeta {
  labels: Record<string, string>;
  taints: Taint[];
  /** Labels and taint keys drover set before and cluster.yml no longer has: removed. */
  dropLabels: string[];
  dropTaints: string[];
  /** spec.podCIDR when drover assigns pod subnets (vxlan); set once, as the API allows. */
  podCidr?: string;
}

/**
 * What the Kubernetes plane's tasks do beyond containers and files. The real implementation
 * talks to health endpoints over TLS through the node's SSH connection and to the API through a
 * forwarded apiserver; tests pass a fake.
 */
export interface KubePlaneOps {
  /** Polls the component's /healthz on the node until it answers ok; the error carries its last log lines. */
  waitComponentHealthy(node: ClusterNode, component: ControlPlaneComponent, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<void>;
  /**
   * Waits until the Node object exists and is Ready, then makes its labels, taints and podCIDR as
   * wanted. With `registeredOnly` (network plugin `none`: the user brings the CNI) it only waits
   * for the Node object.
   */
  waitNodeReady(node: ClusterNode, meta: NodeMeta, opts: { timeoutMs: number; signal?: AbortSignal; registeredOnly?: boolean }): Promise<void>;
  nodeMetaDiff(node: ClusterNode, meta: NodeMeta): Promise<TaskChange[]>;
  /** Cordons and drains the node (DaemonSet pods stay), then deletes its Node object. Absent is fine. */
  drainAndDeleteNode(node: ClusterNode, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<void>;
  /** Removes what kubelet left on a node: pod containers and the mounts under /var/lib/kubelet. */
  cleanKubeletLeftovers(node: ClusterNode): Promise<void>;
}
