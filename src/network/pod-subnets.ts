import { ExitCode } from '../cli/exit-codes.js';
import { DroverError } from '../errors.js';
import { nthAddress, parseCidr, type Cidr } from '../util/ip.js';

/**
 * Which pod subnet each node gets out of cluster_cidr. drover decides it (not
 * kube-controller-manager) and the state keeps it, so a node's pods never move to another
 * range while the node stays: a node keeps its subnet, a removed node frees its own, and new
 * nodes take the lowest free ones in cluster.yml order.
 */
export const DEFAULT_NODE_CIDR_MASK = 24;
/** network.options key for the size of each node's subnet (like kube-controller-manager's --node-cidr-mask-size). */
export const NODE_CIDR_MASK_OPTION = 'vxlan_node_cidr_mask';

/** The IPv4 part of cluster_cidr (a dual-stack value lists it first). */
export function podCidrOf(clusterCidr: string): Cidr {
  const first = clusterCidr.split(',')[0]?.trim() ?? '';
  const cidr = parseCidr(first);
  if (!cidr || cidr.family !== 4) {
    throw new DroverError(`the vxlan network needs an IPv4 cluster_cidr, not ${JSON.stringify(clusterCidr)}`, {
      exitCode: ExitCode.InvalidInput,
      hint: 'set services.kube-controller.cluster_cidr to an IPv4 range such as 10.42.0.0/16',
    });
  }
  return cidr;
}

export function nodeCidrMask(options: Record<string, string>): number {
  const raw = options[NODE_CIDR_MASK_OPTION];
  if (raw === undefined) return DEFAULT_NODE_CIDR_MASK;
  const mask = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  // /30 is the smallest that still leaves one pod address after the device (.0) and gateway (.1).
  if (!(mask >= 8 && mask <= 30)) {
    throw new DroverError(`network.options.${NODE_CIDR_MASK_OPTION} must be a prefix length from 8 to 30, not ${JSON.stringify(raw)}`, {
      exitCode: ExitCode.InvalidInput,
      hint: `leave it out for /${DEFAULT_NODE_CIDR_MASK} subnets (254 pods per node)`,
    });
  }
  return mask;
}

export interface AssignOptions {
  /** Prefix length of each node's subnet (default 24). */
  mask?: number;
}

/**
 * Pod subnet per node address. `previous` is what the state recorded; an entry is kept when its
 * node is still listed and the subnet still fits cluster_cidr and the mask (so changing either
 * re-plans every node, which is then visible in the plan).
 */
export function assignPodSubnets(
  clusterCidr: string,
  nodes: readonly { address: string }[],
  previous: Readonly<Record<string, string>> = {},
  opts: AssignOptions = {},
): Record<string, string> {
  const cidr = podCidrOf(clusterCidr);
  const mask = opts.mask ?? DEFAULT_NODE_CIDR_MASK;
  if (mask < cidr.prefix || mask > 32) {
    throw new DroverError(`node subnets of /${mask} do not fit in cluster_cidr ${cidr.text}`, {
      exitCode: ExitCode.InvalidInput,
      hint: `use a ${NODE_CIDR_MASK_OPTION} of at least ${cidr.prefix}`,
    });
  }
  const size = 2 ** (32 - mask);
  const capacity = 2 ** (mask - cidr.prefix);
  const indexOf = (subnet: string): number | undefined => {
    const c = parseCidr(subnet);
    if (!c || c.family !== 4 || c.prefix !== mask || c.network < cidr.network) return undefined;
    const offset = Number(c.network - cidr.network);
    const index = offset / size;
    return Number.isInteger(index) && index < capacity ? index : undefined;
  };

  const result: Record<string, string> = {};
  const used = new Set<number>();
  for (const { address } of nodes) {
    const kept = previous[address];
    const index = kept === undefined ? undefined : indexOf(kept);
    if (index !== undefined && !used.has(index) && result[address] === undefined) {
      used.add(index);
      result[address] = subnetAt(cidr, index, size, mask);
    }
  }
  const newcomers = nodes.filter((n) => result[n.address] === undefined);
  if (used.size + new Set(newcomers.map((n) => n.address)).size > capacity) {
    throw new DroverError(
      `cluster_cidr ${cidr.text} has room for ${capacity} node subnets of /${mask}, but ${new Set(nodes.map((n) => n.address)).size} nodes need one`,
      { exitCode: ExitCode.InvalidInput, hint: `use a larger cluster_cidr or a larger ${NODE_CIDR_MASK_OPTION} (smaller subnets per node)` },
    );
  }
  let next = 0;
  for (const { address } of newcomers) {
    if (result[address] !== undefined) continue;
    while (used.has(next)) next++;
    used.add(next);
    result[address] = subnetAt(cidr, next, size, mask);
  }
  return result;
}

function subnetAt(cidr: Cidr, index: number, size: number, mask: number): string {
  return `${nthAddress(cidr, index * size)}/${mask}`;
}

/** The subnets for a model: what the state recorded (`previous`) kept, new nodes added. */
export function podSubnetsFor(
  model: { network: { clusterCidr: string; options: Record<string, string> }; nodes: readonly { address: string }[] },
  previous: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return assignPodSubnets(model.network.clusterCidr, model.nodes, previous, { mask: nodeCidrMask(model.network.options) });
}
