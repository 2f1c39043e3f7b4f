import type { ClusterModel, ClusterNode } from '../../../src/model/cluster.js';
import type { VxlanObserved } from '../../../src/network/vxlan-observed.js';
import type { VxlanStep } from '../../../src/network/vxlan-converge.js';
import { testModel, testNode } from '../pki/model.js';

export function node(address: string, internalAddress = address): ClusterNode {
  return testNode(address, ['worker'], { internalAddress, hostname: address });
}

export const nodes = (count: number, base = 10): ClusterNode[] =>
  Array.from({ length: count }, (_, i) => node(`10.250.${Math.floor((base + i) / 250)}.${((base + i) % 250) + 1}`));

export function network(overrides: Partial<ClusterModel['network']> = {}): ClusterModel['network'] {
  return { ...testModel([]).network, plugin: 'vxlan', ...overrides };
}

/** A node with Docker's FORWARD chain and nothing of ours. */
export function freshNode(): VxlanObserved {
  return {
    link: undefined,
    addresses: [],
    fdb: [],
    neighbours: [],
    routes: [],
    forwardRules: ['-P FORWARD DROP', '-A FORWARD -j DOCKER-USER', '-A FORWARD -o docker0 -j DOCKER'],
    natRules: ['-P POSTROUTING ACCEPT', '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE'],
    ipForward: true,
    bridgeNfCallIptables: true,
  };
}

/**
 * A tiny model of what the kernel does with the commands vxlanSteps emits, so the pure diff can
 * be checked for convergence (apply, observe again: nothing left) without a node. It models only
 * the command forms drover writes and fails loudly on anything else.
 */
export function applySteps(state: VxlanObserved, steps: readonly VxlanStep[]): VxlanObserved {
  let s: VxlanObserved = structuredClone(state);
  for (const { phase, command } of steps) {
    const parts = command.split(' && ');
    for (const cmd of phase === 'bridge' || phase === 'ip' ? [`${phase} ${command}`] : parts) s = applyOne(s, cmd);
  }
  return s;
}

function applyOne(s: VxlanObserved, cmd: string): VxlanObserved {
  let m: RegExpExecArray | null;
  if ((m = /^ip link add (\S+) address (\S+) mtu (\d+) type vxlan id (\d+) local (\S+) dstport (\d+) nolearning$/.exec(cmd))) {
    if (s.link) throw new Error(`link exists: ${cmd}`);
    return { ...s, link: { kind: 'vxlan', mac: m[2]!, mtu: Number(m[3]), vni: Number(m[4]), local: m[5], port: Number(m[6]), learning: false, up: false } };
  }
  if ((m = /^ip link set dev \S+ up$/.exec(cmd))) return { ...s, link: { ...s.link!, up: true } };
  if ((m = /^ip link set dev \S+ address (\S+) mtu (\d+) up$/.exec(cmd))) return { ...s, link: { ...s.link!, mac: m[1]!, mtu: Number(m[2]), up: true } };
  if (/^ip link del \S+$/.test(cmd)) return { ...s, link: undefined, addresses: [], fdb: [], neighbours: [], routes: [] };
  if ((m = /^ip addr add (\S+) dev \S+$/.exec(cmd))) return { ...s, addresses: [...s.addresses, m[1]!] };
  if ((m = /^ip addr del (\S+) dev \S+$/.exec(cmd))) return { ...s, addresses: s.addresses.filter((a) => a !== m![1]) };
  if ((m = /^bridge fdb replace (\S+) dev \S+ dst (\S+) self permanent$/.exec(cmd))) {
    const mac = m[1]!;
    return { ...s, fdb: [...s.fdb.filter((f) => f.mac !== mac), { mac, dst: m[2]! }] };
  }
  if ((m = /^bridge fdb del (\S+) dev \S+ dst (\S+) self$/.exec(cmd))) return { ...s, fdb: s.fdb.filter((f) => !(f.mac === m![1] && f.dst === m![2])) };
  if ((m = /^ip neigh replace (\S+) lladdr (\S+) dev \S+ nud permanent$/.exec(cmd))) {
    const ip = m[1]!;
    return { ...s, neighbours: [...s.neighbours.filter((n) => n.ip !== ip), { ip, mac: m[2]!, permanent: true }] };
  }
  if ((m = /^ip neigh del (\S+) dev \S+$/.exec(cmd))) return { ...s, neighbours: s.neighbours.filter((n) => n.ip !== m![1]) };
  if ((m = /^ip route replace (\S+) via (\S+) dev \S+ onlink$/.exec(cmd))) {
    const dst = m[1]!;
    return { ...s, routes: [...s.routes.filter((r) => r.dst !== dst), { dst, gateway: m[2]!, onlink: true }] };
  }
  if ((m = /^ip route del (\S+) dev \S+$/.exec(cmd))) return { ...s, routes: s.routes.filter((r) => r.dst !== m![1]) };
  if ((m = /^iptables -w 5( -t nat)? (-[AD]) (.+)$/.exec(cmd))) {
    const key = m[1] ? 'natRules' : 'forwardRules';
    const body = `-A ${m[3]}`;
    if (m[2] === '-A') return { ...s, [key]: [...s[key], body] };
    if (!s[key].includes(body)) throw new Error(`no such rule: ${cmd}`);
    return { ...s, [key]: s[key].filter((r) => r !== body) };
  }
  if (cmd === 'echo 1 > /proc/sys/net/ipv4/ip_forward') return { ...s, ipForward: true };
  if (cmd.endsWith('echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables')) return { ...s, bridgeNfCallIptables: true };
  throw new Error(`the test kernel does not know: ${cmd}`);
}
