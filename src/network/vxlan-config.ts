import { createHash } from 'node:crypto';
import { ExitCode } from '../cli/exit-codes.js';
import { DroverError } from '../errors.js';
import type { ClusterModel, ClusterNode } from '../model/cluster.js';
import { nthAddress, parseCidr } from '../util/ip.js';
import { podCidrOf } from './pod-subnets.js';

/**
 * What the overlay must look like on one node, flannel's vxlan backend without its daemon:
 * a VXLAN device whose address is the node subnet's .0/32, and for every peer a forwarding
 * entry (peer MAC → peer internal address), a permanent neighbour (peer .0 → peer MAC) and a
 * route (peer subnet via peer .0, onlink). All of it follows from the model and the subnets.
 */
export const VXLAN_DEVICE = 'drover.vxlan';
/** flannel's defaults, so firewalls already opened for flannel/canal let it through. */
export const DEFAULT_VXLAN_VNI = 1;
export const DEFAULT_VXLAN_PORT = 8472;
/** VXLAN over IPv4 costs 50 bytes of each 1500-byte frame. */
export const VXLAN_OVERHEAD = 50;
export const DEFAULT_LINK_MTU = 1500;
/** Marks drover's iptables rules so they are found again (and only they are removed). */
export const RULE_COMMENT = 'drover-vxlan';

export interface VxlanPeer {
  address: string;
  /** Where its VXLAN packets go: the peer's internal address. */
  endpoint: string;
  mac: string;
  subnet: string;
  /** The peer device's address (its subnet's .0): the next hop of the route to its subnet. */
  gateway: string;
}

export interface VxlanNodeConfig {
  address: string;
  device: string;
  vni: number;
  port: number;
  mtu: number;
  /** Source address of the VXLAN packets: the node's internal address. */
  local: string;
  mac: string;
  subnet: string;
  /** subnet's .0, as /32 on the device. */
  deviceAddress: string;
  /** Accepted in FORWARD and masqueraded when leaving it. */
  clusterCidr: string;
  /** Sorted by address, so equal configs serialize equally. */
  peers: VxlanPeer[];
}

/**
 * A locally administered unicast MAC from the node's address: the same on every run and on
 * every peer, so forwarding entries never go stale when a device is re-created.
 */
export function vxlanMac(address: string): string {
  const bytes = createHash('sha256').update(`drover-vxlan:${address}`).digest().subarray(0, 6);
  bytes[0] = (bytes[0]! & 0xfe) | 0x02;
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

function intOption(options: Record<string, string>, key: string, fallback: number, min: number, max: number): number {
  const raw = options[key];
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) {
    throw new DroverError(`network.options.${key} must be a number from ${min} to ${max}, not ${JSON.stringify(raw)}`, {
      exitCode: ExitCode.InvalidInput,
      hint: `leave it out for the default (${fallback})`,
    });
  }
  return value;
}

/** Device-level settings shared by every node (network.options vxlan_vni, vxlan_port; network.mtu). */
export function vxlanSettings(network: ClusterModel['network']): { vni: number; port: number; mtu: number } {
  const mtu = (network.mtu ?? DEFAULT_LINK_MTU) - VXLAN_OVERHEAD;
  if (mtu < 576) {
    throw new DroverError(`network.mtu ${network.mtu} leaves ${mtu} bytes for pods after VXLAN's ${VXLAN_OVERHEAD}`, {
      exitCode: ExitCode.InvalidInput,
      hint: 'network.mtu is the MTU of the nodes\' own network (usually 1500)',
    });
  }
  return {
    vni: intOption(network.options, 'vxlan_vni', DEFAULT_VXLAN_VNI, 1, 16_777_215),
    port: intOption(network.options, 'vxlan_port', DEFAULT_VXLAN_PORT, 1, 65_535),
    mtu,
  };
}

const subnetZero = (subnet: string): string => {
  const c = parseCidr(subnet);
  if (!c) throw new Error(`not a CIDR: ${subnet}`);
  return nthAddress(c, 0);
};

/** Desired overlay config of every node in `nodes` (usually model.nodes), by address. */
export function vxlanNodeConfigs(
  model: Pick<ClusterModel, 'network'>,
  nodes: readonly ClusterNode[],
  subnets: Readonly<Record<string, string>>,
): Map<string, VxlanNodeConfig> {
  const settings = vxlanSettings(model.network);
  const clusterCidr = podCidrOf(model.network.clusterCidr);
  const subnetOf = (node: ClusterNode): string => {
    const s = subnets[node.address];
    if (s === undefined) throw new Error(`vxlan: no pod subnet assigned to ${node.address}`);
    return s;
  };
  const peers: VxlanPeer[] = [...nodes]
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
    .map((n) => ({ address: n.address, endpoint: n.internalAddress, mac: vxlanMac(n.address), subnet: subnetOf(n), gateway: subnetZero(subnetOf(n)) }));
  const configs = new Map<string, VxlanNodeConfig>();
  for (const node of nodes) {
    const subnet = subnetOf(node);
    configs.set(node.address, {
      address: node.address,
      device: VXLAN_DEVICE,
      ...settings,
      local: node.internalAddress,
      mac: vxlanMac(node.address),
      subnet,
      deviceAddress: subnetZero(subnet),
      clusterCidr: `${nthAddress(clusterCidr, 0)}/${clusterCidr.prefix}`,
      peers: peers.filter((p) => p.address !== node.address),
    });
  }
  return configs;
}
