import { access } from 'node:fs/promises';
import type { LabNetwork, LabNodeSpec } from './layout.js';
import { run, tryRun } from './run.js';

/**
 * The host side of a lab: one bridge with the lab's first address and no uplink, and one veth per
 * node. Nothing leaves the machine: no NAT, no host route beyond the bridge's /24, and a FORWARD
 * rule that drops anything from the bridge headed elsewhere.
 */

export const linkExists = (name: string) =>
  access(`/sys/class/net/${name}`).then(
    () => true,
    () => false,
  );

export async function ensureBridge(net: LabNetwork): Promise<void> {
  if (!(await linkExists(net.bridge))) {
    await run('ip', ['link', 'add', net.bridge, 'address', net.bridgeMac, 'type', 'bridge']);
  }
  const addrs = await run('ip', ['-o', '-4', 'addr', 'show', 'dev', net.bridge]);
  if (!addrs.includes(` ${net.bridgeAddress}/`)) {
    await run('ip', ['addr', 'add', `${net.bridgeAddress}/${net.prefix}`, 'dev', net.bridge]);
  }
  await run('ip', ['link', 'set', net.bridge, 'up']);
}

export async function removeBridge(net: LabNetwork): Promise<void> {
  if (await linkExists(net.bridge)) await run('ip', ['link', 'del', net.bridge]);
}

/** The rules we need in the host's FORWARD chain, as iptables arguments after the chain name. */
export function forwardRules(net: LabNetwork): string[][] {
  return [
    // Node to node across the bridge (bridge-nf sends bridged frames through FORWARD).
    ['-i', net.bridge, '-o', net.bridge, '-j', 'ACCEPT'],
    // Anything from the lab towards another interface: the lab has no uplink.
    ['-i', net.bridge, '!', '-o', net.bridge, '-j', 'DROP'],
  ];
}

export async function ensureForwardRules(rules: string[][]): Promise<void> {
  // Inserted at the top in reverse, so they end up in the order given and above other rules.
  for (const rule of [...rules].reverse()) {
    if (!(await tryRun('iptables', ['-w', '-C', 'FORWARD', ...rule]))) await run('iptables', ['-w', '-I', 'FORWARD', '1', ...rule]);
  }
}

export async function removeForwardRules(rules: string[][]): Promise<void> {
  for (const rule of rules) {
    while (await tryRun('iptables', ['-w', '-D', 'FORWARD', ...rule])) {
      /* delete every copy */
    }
  }
}

/** Create the node's veth pair with its far end (eth0) directly inside the node's namespace. */
export async function addNodeVeth(node: LabNodeSpec, net: LabNetwork, initPid: number): Promise<void> {
  if (await linkExists(node.hostVeth)) await run('ip', ['link', 'del', node.hostVeth]);
  await run('ip', [
    'link', 'add', node.hostVeth, 'address', node.hostMac, 'type', 'veth',
    'peer', 'name', 'eth0', 'address', node.nodeMac, 'netns', String(initPid),
  ]);
  await attachVeth(node, net);
}

export async function attachVeth(node: LabNodeSpec, net: LabNetwork): Promise<void> {
  await run('ip', ['link', 'set', node.hostVeth, 'master', net.bridge, 'up']);
}

export async function removeVeth(node: LabNodeSpec): Promise<void> {
  if (await linkExists(node.hostVeth)) await tryRun('ip', ['link', 'del', node.hostVeth]);
}

/** Subnets of 10.250.0.0/16 already routed on this machine (another lab, or something else). */
export async function routedLabSlots(): Promise<Set<number>> {
  const routes = await run('ip', ['-o', '-4', 'route', 'show']);
  const slots = new Set<number>();
  for (const m of routes.matchAll(/\b10\.250\.(\d+)\.\d+\/(\d+)/g)) slots.add(Number(m[1]));
  return slots;
}
