import type { Task } from '../executor/task.js';
import type { ClusterModel, ClusterNode } from '../model/cluster.js';
import type { KubePlaneOps } from './kube-plane-ops.js';
import type { NetworkOps } from './network-ops.js';
import { vxlanCleanTaskId, planVxlanRemoval } from './network-vxlan.js';
import type { ClusterOps } from './ops.js';

/** What else a node holds besides drover's containers and files: kubelet's pods and mounts, the overlay. */
export interface RemoveExtras {
  kube: Pick<KubePlaneOps, 'cleanKubeletLeftovers'>;
  network: NetworkOps;
}

/**
 * `drover remove`: every container drover made (found by its label, so nothing else on the node
 * is touched) and every path it created. Nodes are independent: one task chain per node.
 */
export const DROVER_PATHS = [
  '/etc/kubernetes',
  '/var/lib/etcd',
  '/opt/drover',
  '/var/lib/drover',
  '/var/lib/kubelet',
  '/var/lib/cni',
  '/etc/cni/net.d',
  '/var/log/kube-audit',
] as const;

export function planRemove(model: ClusterModel, previousNodes: ClusterNode[], ops: ClusterOps, extras: RemoveExtras): Task[] {
  // Nodes dropped from cluster.yml since the last run are cleaned too: they still hold our files.
  const nodes = [...model.nodes, ...previousNodes.filter((p) => !model.nodes.some((n) => n.address === p.address))];
  // kubelet goes with drover's containers first, so it cannot start pods again while they are removed.
  const overlay = planVxlanRemoval(nodes, extras.network, (node) => [`remove/pods@${node.address}`]);
  return [...overlay, ...nodes.flatMap((node): Task[] => {
    const containers: Task = {
      id: `remove/containers@${node.address}`,
      host: node.address,
      deps: [],
      title: `remove drover's containers on ${node.address}`,
      fingerprint: 'remove-containers',
      run: async () => {
        for (const name of await ops.managedContainers(node)) await ops.removeContainer(node, name);
      },
      describe: async () => (await ops.managedContainers(node)).map((name) => ({ action: 'delete' as const, subject: `container ${name}` })),
    };
    const pods: Task = {
      id: `remove/pods@${node.address}`,
      host: node.address,
      deps: [containers.id],
      title: `remove kubelet's pod containers and volume mounts on ${node.address}`,
      fingerprint: 'remove-pods',
      run: () => extras.kube.cleanKubeletLeftovers(node),
      describe: async () => [{ action: 'delete' as const, subject: 'pod containers and kubelet volume mounts, if any' }],
    };
    const files: Task = {
      id: `remove/files@${node.address}`,
      host: node.address,
      deps: [pods.id, vxlanCleanTaskId(node)],
      title: `remove drover's files on ${node.address}`,
      fingerprint: 'remove-files',
      run: () => ops.removePaths(node, [...DROVER_PATHS]),
      describe: async () => (await ops.existingPaths(node, [...DROVER_PATHS])).map((path) => ({ action: 'delete' as const, subject: path })),
    };
    return [containers, pods, files];
  })];
}
