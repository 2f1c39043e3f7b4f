import type { Task } from '../executor/task.js';
import type { ClusterModel, ClusterNode } from '../model/cluster.js';
import type { ClusterOps } from './ops.js';

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

export function planRemove(model: ClusterModel, previousNodes: ClusterNode[], ops: ClusterOps): Task[] {
  // Nodes dropped from cluster.yml since the last run are cleaned too: they still hold our files.
  const nodes = [...model.nodes, ...previousNodes.filter((p) => !model.nodes.some((n) => n.address === p.address))];
  return nodes.flatMap((node): Task[] => {
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
    const files: Task = {
      id: `remove/files@${node.address}`,
      host: node.address,
      deps: [containers.id],
      title: `remove drover's files on ${node.address}`,
      fingerprint: 'remove-files',
      run: () => ops.removePaths(node, [...DROVER_PATHS]),
      describe: async () => (await ops.existingPaths(node, [...DROVER_PATHS])).map((path) => ({ action: 'delete' as const, subject: path })),
    };
    return [containers, files];
  });
}
