import type { TaskChange } from '../executor/task.js';
import type { ClusterNode } from '../model/cluster.js';
import type { VxlanNodeConfig } from '../network/vxlan-config.js';
import type { RemoteFile } from './ops.js';

/**
 * What the overlay tasks do to a node, as an interface (like ClusterOps in ops.ts): the plan
 * only closes over it, src/ops/ssh-network-ops.ts does it over SSH, tests may pass a fake.
 * `*Diff` methods are read-only and feed `--dry-run` / `drover plan`.
 */
export interface NetworkOps {
  /** What ensureVxlan would change: device, address, peers (fdb, neighbour, route), rules, sysctls. */
  vxlanDiff(node: ClusterNode, cfg: VxlanNodeConfig): Promise<TaskChange[]>;
  /** Observe, then change only what differs (one read and at most one write round trip). */
  ensureVxlan(node: ClusterNode, cfg: VxlanNodeConfig): Promise<'unchanged' | 'changed'>;
  /** The device (and with it its routes, neighbours and forwarding entries), cni0, drover's rules and CNI config. */
  removeVxlan(node: ClusterNode): Promise<void>;
  /** What removeVxlan would delete on the node (nothing when it is clean); without it the plan lists every piece. */
  vxlanRemovalDiff?(node: ClusterNode): Promise<TaskChange[]>;
  filesDiff(node: ClusterNode, files: RemoteFile[]): Promise<TaskChange[]>;
  /** Writes the files whose content or mode differ. */
  writeFiles(node: ClusterNode, files: RemoteFile[]): Promise<void>;
}
