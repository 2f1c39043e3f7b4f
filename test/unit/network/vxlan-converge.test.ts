import { describe, expect, it } from 'vitest';
import { assignPodSubnets } from '../../../src/network/pod-subnets.js';
import { vxlanNodeConfigs, type VxlanNodeConfig } from '../../../src/network/vxlan-config.js';
import { stepChanges, stepsScript, vxlanSteps } from '../../../src/network/vxlan-converge.js';
import { parseVxlanObserved, type VxlanObserved } from '../../../src/network/vxlan-observed.js';
import { removalChanges, vxlanRemoveScript } from '../../../src/network/vxlan-remove.js';
import { applySteps, freshNode, network, nodes } from './helpers.js';

function configs(list: ReturnType<typeof nodes>, previous: Record<string, string> = {}) {
  const subnets = assignPodSubnets('10.42.0.0/16', list, previous);
  return { subnets, configs: vxlanNodeConfigs({ network: network() }, list, subnets) };
}

/** Converge a node to cfg and return what it looks like afterwards. */
function converge(state: VxlanObserved, cfg: VxlanNodeConfig): VxlanObserved {
  const after = applySteps(state, vxlanSteps(cfg, state));
  expect(vxlanSteps(cfg, after)).toEqual([]);
  return after;
}

describe('vxlan converge steps', () => {
  const three = nodes(3);
  const { subnets, configs: cfg3 } = configs(three);
  const first = cfg3.get(three[0]!.address)!;

  it('a fresh node gets the device, its address, every peer and the rules; then nothing is left to do', () => {
    const steps = vxlanSteps(first, freshNode());
    expect(steps[0]!.command).toMatch(/^ip link add drover\.vxlan address \S+ mtu 1450 type vxlan id 1 local 10\.250\.0\.11 dstport 8472 nolearning && ip link set dev drover.vxlan up$/);
    expect(stepChanges(steps).map((c) => `${c.action} ${c.subject}`)).toEqual([
      'create vxlan device drover.vxlan (VNI 1, 10.250.0.11:8472, MTU 1450)',
      'create address 10.42.0.0/32 on drover.vxlan (node subnet 10.42.0.0/24)',
      'create overlay peer 10.250.0.12: 10.42.1.0/24',
      'create overlay peer 10.250.0.13: 10.42.2.0/24',
      'create iptables rule -A FORWARD -s 10.42.0.0/16 -m comment --comment drover-vxlan -j ACCEPT',
      'create iptables rule -A FORWARD -d 10.42.0.0/16 -m comment --comment drover-vxlan -j ACCEPT',
      'create iptables -t nat rule -A POSTROUTING -s 10.42.0.0/16 ! -d 10.42.0.0/16 -m comment --comment drover-vxlan -j MASQUERADE',
    ]);
    const after = converge(freshNode(), first);
    expect(after.routes).toEqual([
      { dst: '10.42.1.0/24', gateway: '10.42.1.0', onlink: true },
      { dst: '10.42.2.0/24', gateway: '10.42.2.0', onlink: true },
    ]);
    // Docker's own rules are untouched.
    expect(after.forwardRules.slice(0, 3)).toEqual(freshNode().forwardRules);
  });

  it('a peer leaving removes only its route, neighbour and forwarding entry', () => {
    const before = converge(freshNode(), first);
    const two = configs([three[0]!, three[1]!], subnets).configs.get(three[0]!.address)!;
    const steps = vxlanSteps(two, before);
    const leaver = first.peers.find((p) => p.address === three[2]!.address)!;
    expect(steps.map((s) => s.command)).toEqual([
      `route del ${leaver.subnet} dev drover.vxlan`,
      `neigh del ${leaver.gateway} dev drover.vxlan`,
      `fdb del ${leaver.mac} dev drover.vxlan dst ${leaver.endpoint} self`,
    ]);
    expect(stepChanges(steps)[0]).toEqual({ action: 'delete', subject: `overlay peer ${leaver.endpoint}: ${leaver.subnet}` });
    const after = converge(before, two);
    expect(after.routes).toEqual(before.routes.filter((r) => r.dst !== leaver.subnet));
    expect(after.link).toEqual(before.link);
  });

  it('a peer joining adds only its entries; a node with the same peers does nothing', () => {
    const before = converge(freshNode(), first);
    const four = [...three, ...nodes(1, 20)];
    const { configs: cfg4 } = configs(four, subnets);
    const steps = vxlanSteps(cfg4.get(three[0]!.address)!, before);
    const joiner = cfg4.get(four[3]!.address)!;
    expect(stepChanges(steps)).toEqual([{ action: 'create', subject: `overlay peer ${joiner.address}: ${joiner.subnet}` }]);
    expect(steps.map((s) => s.command)).toEqual([
      `fdb replace ${joiner.mac} dev drover.vxlan dst ${joiner.local} self permanent`,
      `neigh replace ${joiner.deviceAddress} lladdr ${joiner.mac} dev drover.vxlan nud permanent`,
      `route replace ${joiner.subnet} via ${joiner.deviceAddress} dev drover.vxlan onlink`,
    ]);
    expect(vxlanSteps(first, before)).toEqual([]);
  });

  it('a peer whose internal address moved gets its forwarding entry re-pointed', () => {
    const before = converge(freshNode(), first);
    const moved = { ...first, peers: first.peers.map((p, i) => (i === 0 ? { ...p, endpoint: '192.168.9.9' } : p)) };
    const steps = vxlanSteps(moved, before);
    expect(steps.map((s) => s.command)).toEqual([
      `fdb del ${first.peers[0]!.mac} dev drover.vxlan dst ${first.peers[0]!.endpoint} self`,
      `fdb replace ${first.peers[0]!.mac} dev drover.vxlan dst 192.168.9.9 self permanent`,
    ]);
    converge(before, moved);
  });

  it('a device with another VNI or learning on is re-created and every entry re-added; MTU alone is only set', () => {
    const before = converge(freshNode(), first);
    const otherVni = vxlanSteps({ ...first, vni: 7 }, before);
    expect(otherVni[0]).toMatchObject({ phase: 'link', change: { action: 'replace' } });
    expect(otherVni[0]!.command).toMatch(/^ip link del drover\.vxlan && ip link add/);
    expect(otherVni.filter((s) => s.phase === 'ip' || s.phase === 'bridge')).toHaveLength(1 + 3 * first.peers.length);
    converge(before, { ...first, vni: 7 });
    const mtu = vxlanSteps({ ...first, mtu: 1400 }, before);
    expect(mtu.map((s) => s.command)).toEqual([`ip link set dev drover.vxlan address ${first.mac} mtu 1400 up`]);
  });

  it('rules and sysctls: stale drover rules go (new cluster CIDR), others stay; missing sysctls are set', () => {
    const before = converge(freshNode(), first);
    const moved = { ...first, clusterCidr: '10.60.0.0/16' };
    const steps = vxlanSteps(moved, { ...before, ipForward: false, bridgeNfCallIptables: undefined }).filter((s) => s.phase === 'rules');
    expect(steps.filter((s) => s.command.includes(' -D '))).toHaveLength(3);
    expect(steps.filter((s) => / -A .*10\.60\.0\.0\/16/.test(s.command))).toHaveLength(3);
    expect(steps.map((s) => s.change.subject)).toContain('sysctl net.ipv4.ip_forward=1');
    expect(steps.at(-1)!.command).toMatch(/modprobe br_netfilter/);
  });

  it('the script creates the device first, then one bridge batch and one ip batch, then rules, and reports any failure', () => {
    const script = stepsScript(vxlanSteps(first, freshNode()));
    const lines = script.split('\n');
    expect(lines[0]).toBe('rc=0');
    expect(lines.at(-1)).toBe('exit $rc');
    const order = ['{ ip link add', "bridge -force -batch - <<'DROVER_EOF' || rc=1", "ip -force -batch - <<'DROVER_EOF' || rc=1", '{ iptables -w 5 -A FORWARD'].map((p) => lines.findIndex((l) => l.startsWith(p)));
    expect(order.every((v, i) => v >= 0 && (i === 0 || v > order[i - 1]!))).toBe(true);
    expect(lines.filter((l) => l === 'DROVER_EOF')).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith('{ ')).every((l) => l.endsWith('; } || rc=1'))).toBe(true);
  });
});

describe('parseVxlanObserved', () => {
  it('reads what iproute2 6.1 and iptables-nft print', () => {
    const text = [
      '@@link',
      '[{"ifindex":2,"ifname":"drover.vxlan","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1450,"address":"02:11:22:33:44:55","linkinfo":{"info_kind":"vxlan","info_data":{"id":1,"local":"10.250.0.11","port":8472,"learning":false}}}]',
      '@@addr',
      '[{"ifindex":2,"ifname":"drover.vxlan","addr_info":[{"family":"inet","local":"10.42.0.0","prefixlen":32},{"family":"inet6","local":"fe80::1","prefixlen":64}]}]',
      '@@fdb',
      '[{"mac":"02:aa:bb:cc:dd:ee","dst":"10.250.0.12","flags":["self"],"state":"permanent"},{"mac":"33:33:00:00:00:01","flags":["self"],"state":"permanent"}]',
      '@@neigh',
      '[{"dst":"10.42.1.0","lladdr":"02:AA:bb:cc:dd:ee","state":["PERMANENT"]}]',
      '@@route',
      '[{"dst":"10.42.1.0/24","gateway":"10.42.1.0","flags":["onlink"]},{"dst":"10.42.9.9","flags":[]}]',
      '@@filter',
      '-P FORWARD DROP',
      '-A FORWARD -s 10.42.0.0/16 -m comment --comment drover-vxlan -j ACCEPT',
      '@@nat',
      '-P POSTROUTING ACCEPT',
      '@@sysctl',
      '1',
      'missing',
    ].join('\n');
    expect(parseVxlanObserved(text)).toEqual({
      link: { kind: 'vxlan', vni: 1, local: '10.250.0.11', port: 8472, learning: false, mtu: 1450, mac: '02:11:22:33:44:55', up: true },
      addresses: ['10.42.0.0/32'],
      fdb: [{ mac: '02:aa:bb:cc:dd:ee', dst: '10.250.0.12' }],
      neighbours: [{ ip: '10.42.1.0', mac: '02:aa:bb:cc:dd:ee', permanent: true }],
      routes: [
        { dst: '10.42.1.0/24', gateway: '10.42.1.0', onlink: true },
        { dst: '10.42.9.9/32', gateway: undefined, onlink: false },
      ],
      forwardRules: ['-P FORWARD DROP', '-A FORWARD -s 10.42.0.0/16 -m comment --comment drover-vxlan -j ACCEPT'],
      natRules: ['-P POSTROUTING ACCEPT'],
      ipForward: true,
      bridgeNfCallIptables: undefined,
    });
  });

  it('a node without the device reads as empty; unreadable iptables is an error', () => {
    const empty = parseVxlanObserved('@@link\n[]\n@@addr\n[]\n@@fdb\n[]\n@@neigh\n\n@@route\n[]\n@@filter\n-P FORWARD ACCEPT\n@@nat\n@@sysctl\n0\n0\n');
    expect(empty).toMatchObject({ link: undefined, addresses: [], fdb: [], neighbours: [], routes: [], ipForward: false, bridgeNfCallIptables: false });
    expect(() => parseVxlanObserved('@@link\n[]\n@@filter\n')).toThrow(/FORWARD/);
    expect(() => parseVxlanObserved('@@link\nnot json\n@@filter\n-P FORWARD ACCEPT')).toThrow(/ip link: not JSON/);
  });
});

describe('removal', () => {
  it('lists what the read script found, by kind', () => {
    const out = 'link drover.vxlan\nlink cni0\nrule -A FORWARD -s 10.42.0.0/16 -m comment --comment drover-vxlan -j ACCEPT\nnat-rule -A POSTROUTING -s 10.42.0.0/16 ! -d 10.42.0.0/16 -m comment --comment drover-vxlan -j MASQUERADE\nfile /etc/cni/net.d/10-drover-vxlan.conflist\n';
    expect(removalChanges(out).map((c) => `${c.action} ${c.subject}`)).toEqual([
      'delete vxlan device drover.vxlan with its routes, neighbours and forwarding entries',
      'delete bridge cni0',
      'delete iptables rule -A FORWARD -s 10.42.0.0/16 -m comment --comment drover-vxlan -j ACCEPT',
      'delete iptables -t nat rule -A POSTROUTING -s 10.42.0.0/16 ! -d 10.42.0.0/16 -m comment --comment drover-vxlan -j MASQUERADE',
      'delete /etc/cni/net.d/10-drover-vxlan.conflist',
    ]);
    expect(removalChanges('')).toEqual([]);
  });

  it('the removal script deletes only rules carrying drover\'s comment and tolerates missing pieces', () => {
    const script = vxlanRemoveScript();
    expect(script).toMatch(/if ip link show dev drover\.vxlan >\/dev\/null 2>&1; then ip link del drover\.vxlan; fi/);
    expect(script).toMatch(/grep -e '--comment drover-vxlan'/);
    expect(script).toMatch(/rm -f \/etc\/cni\/net\.d\/10-drover-vxlan\.conflist/);
  });
});
