import type { Task, TaskChange } from '../executor/task.js';
import type { ClusterModel, ClusterNode } from '../model/cluster.js';
import { CNI_BRIDGE, CNI_CONFIG_PATH, cniConflist } from '../network/cni-config.js';
import { VXLAN_DEVICE, vxlanNodeConfigs, type VxlanNodeConfig } from '../network/vxlan-config.js';
import type { NetworkOps } from './network-ops.js';
import type { RemoteFile } from './ops.js';
import { fingerprint } from './fingerprint.js';

/**
 * The built-in `vxlan` network as tasks, two per node: `network/vxlan@<address>` converges the
 * device, its peers (forwarding entry, neighbour, route each), the FORWARD/masquerade rules and
 * the sysctls; `network/cni-config@<address>` then writes the CNI config kubelet waits for.
 * Every node's task observes before it acts, so when a node joins or leaves only the peers'
 * entries change and a node with the same peers does nothing. Pod subnets come from the state
 * (see assignPodSubnets); nothing here does I/O.
 */
export interface VxlanPlanInput {
  model: Pick<ClusterModel, 'network' | 'nodes'>;
  /** Pod subnet of every node in model.nodes, by address (assignPodSubnets, kept in the state). */
  subnets: Readonly<Record<string, string>>;
  /** Nodes of the last successful run: only used to show which peers leave. */
  previousNodes?: readonly ClusterNode[];
  ops: NetworkOps;
  /** Task ids a node's overlay waits for (e.g. its preflight); none by default. */
  after?: (node: ClusterNode) => string[];
}

export const vxlanTaskId = (node: { address: string }): string => `network/vxlan@${node.address}`;
export const cniConfigTaskId = (node: { address: string }): string => `network/cni-config@${node.address}`;
export const vxlanCleanTaskId = (node: { address: string }): string => `network/vxlan-clean@${node.address}`;

export function cniConfigFiles(cfg: VxlanNodeConfig): RemoteFile[] {
  return [{ path: CNI_CONFIG_PATH, content: cniConflist(cfg), mode: 0o644 }];
}

export function planVxlan(input: VxlanPlanInput): Task[] {
  const { model, ops } = input;
  const configs = vxlanNodeConfigs(model, model.nodes, input.subnets);
  const current = new Set(model.nodes.map((n) => n.address));
  const leaving = (input.previousNodes ?? []).filter((n) => !current.has(n.address)).map((n) => n.address);
  // A node's peers are every node but itself: hash that list once, not once per node (1000 nodes: 1.3 s → ms).
  const everyNode = fingerprint([...configs.values()].map((c) => [c.address, c.local, c.mac, c.subnet]).sort());
  return model.nodes.flatMap((node): Task[] => {
    const cfg = configs.get(node.address)!;
    const { peers: _peers, ...own } = cfg;
    const files = cniConfigFiles(cfg);
    const vxlan: Task = {
      id: vxlanTaskId(node),
      host: node.address,
      deps: input.after?.(node) ?? [],
      title: `overlay on ${node.address}: ${cfg.subnet}, ${cfg.peers.length} peer${cfg.peers.length === 1 ? '' : 's'}${leaving.length ? `, dropping ${leaving.join(', ')}` : ''}`,
      fingerprint: fingerprint(own, everyNode),
      estimate: 1,
      run: async (ctx) => {
        if ((await ops.ensureVxlan(node, cfg)) === 'changed') ctx.log(`overlay on ${node.address} converged (${cfg.peers.length} peers)`, 'debug');
      },
      describe: () => ops.vxlanDiff(node, cfg),
    };
    const cni: Task = {
      id: cniConfigTaskId(node),
      host: node.address,
      deps: [vxlan.id],
      title: `write the CNI config (${cfg.subnet}) on ${node.address}`,
      fingerprint: fingerprint(files),
      run: () => ops.writeFiles(node, files),
      describe: () => ops.filesDiff(node, files),
    };
    return [vxlan, cni];
  });
}

/**
 * Undo the overlay on nodes that leave the cluster (`drover remove`, or a node dropped from
 * cluster.yml once it is drained). Its peers drop their entries for it in their own
 * `network/vxlan` tasks.
 */
export function planVxlanRemoval(nodes: readonly ClusterNode[], ops: NetworkOps, after?: (node: ClusterNode) => string[]): Task[] {
  return nodes.map((node) => ({
    id: vxlanCleanTaskId(node),
    host: node.address,
    deps: after?.(node) ?? [],
    title: `remove the overlay (${VXLAN_DEVICE}, ${CNI_BRIDGE}, rules, CNI config) on ${node.address}`,
    fingerprint: fingerprint('vxlan-clean', node.address),
    run: () => ops.removeVxlan(node),
    describe: async (): Promise<TaskChange[]> =>
      ops.vxlanRemovalDiff
        ? ops.vxlanRemovalDiff(node)
        : [
            { action: 'delete', subject: `vxlan device ${VXLAN_DEVICE} with its routes, neighbours and forwarding entries` },
            { action: 'delete', subject: `bridge ${CNI_BRIDGE}` },
            { action: 'delete', subject: 'iptables rules marked drover-vxlan' },
            { action: 'delete', subject: CNI_CONFIG_PATH },
          ],
  }));
}
