import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, dockerVersionSupported, judgeCluster, judgeNode, type NodeFacts } from '../../../src/plan/preflight.js';
import { parseProcNet, requiredPorts } from '../../../src/plan/preflight-ports.js';
import { parseProbeOutput } from '../../../src/plan/preflight-probe.js';
import { formatPreflightTable } from '../../../src/plan/preflight-report.js';

const healthy = (over: Partial<NodeFacts> = {}): NodeFacts => ({
  address: '10.0.0.1',
  nodeName: '10.0.0.1',
  roles: ['etcd', 'controlplane', 'worker'],
  ssh: { ok: true, user: 'root', port: 22 },
  osHostname: 'n1',
  docker: { ok: true, version: '20.10.24', apiVersion: '1.41', route: 'stream-local' },
  listeners: [{ proto: 'tcp', address: '0.0.0.0', port: 22 }],
  runningContainers: [],
  sysctls: { 'net.ipv4.ip_forward': '1', 'net.bridge.bridge-nf-call-iptables': '1' },
  disk: { path: '/var/lib/docker', availableBytes: 50 * 1024 ** 3 },
  clock: { offsetMs: 3, uncertaintyMs: 5 },
  ...over,
});
const statusOf = (f: NodeFacts, check: string) => judgeNode(f, 'canal').find((r) => r.check === check)?.status;

describe('ports', () => {
  it('follow the roles: etcd 2379/2380, control plane 6443, workers 10250; nginx-proxy 6443 elsewhere', () => {
    const ports = (roles: Parameters<typeof requiredPorts>[0]) => requiredPorts(roles, 'none').map((p) => p.port);
    expect(ports(['etcd'])).toEqual(expect.arrayContaining([2379, 2380, 6443]));
    expect(ports(['etcd'])).not.toContain(10250);
    expect(ports(['controlplane'])).toEqual(expect.arrayContaining([6443, 10257, 10259, 10250]));
    expect(ports(['worker'])).toEqual(expect.arrayContaining([6443, 10250, 10256]));
    expect(ports(['worker'])).not.toContain(2379);
    expect(requiredPorts(['worker'], 'canal').some((p) => p.port === 8472 && p.proto === 'udp')).toBe(true);
  });

  it('parses LISTEN sockets from /proc/net/tcp and tcp6, and unconnected UDP', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:0950 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1',
      '   1: 0B6FFA0A:0016 0C6FFA0A:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 2 1',
    ].join('\n');
    expect(parseProcNet(tcp, 'tcp')).toEqual([{ proto: 'tcp', address: '127.0.0.1', port: 2384 }]);
    const tcp6 = 'header\n   0: 00000000000000000000000000000000:094B 00000000000000000000000000000000:0000 0A 0 0 0 0 0 1';
    expect(parseProcNet(tcp6, 'tcp')).toEqual([{ proto: 'tcp', address: '::', port: 2379 }]);
    const udp = 'header\n 1: 00000000:2118 00000000:0000 07 0 0 0 0 0 0';
    expect(parseProcNet(udp, 'udp')).toEqual([{ proto: 'udp', address: '0.0.0.0', port: 8472 }]);
  });

  it('fail when a foreign process holds a required port, pass when drover\'s own container does', () => {
    const taken = healthy({ listeners: [{ proto: 'tcp', address: '::', port: 2379 }] });
    const r = judgeNode(taken, 'canal').find((x) => x.check === 'ports')!;
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('2379/tcp (etcd client)');
    expect(statusOf({ ...taken, runningContainers: ['etcd'] }, 'ports')).toBe('ok');
    // A port no role of this node needs is not a conflict.
    expect(statusOf(healthy({ roles: ['worker'], listeners: [{ proto: 'tcp', address: '::', port: 2379 }] }), 'ports')).toBe('ok');
  });

  it('fail when the sockets could not be read, never pass by default', () => {
    const { listeners: _l, ...rest } = healthy();
    expect(statusOf(rest as NodeFacts, 'ports')).toBe('fail');
  });
});

describe('node checks', () => {
  it('all pass on a healthy node', () => {
    expect(judgeNode(healthy(), 'canal').map((r) => `${r.check}:${r.status}`)).toEqual([
      'ssh:ok', 'docker:ok', 'ports:ok', 'kernel:ok', 'disk:ok', 'clock:ok',
    ]);
  });

  it('stop at SSH: nothing else is judged on a node that could not be reached', () => {
    const r = judgeNode(healthy({ ssh: { ok: false, error: 'HOST KEY MISMATCH', hostKey: true } }), 'canal');
    expect(r).toEqual([{ node: '10.0.0.1', check: 'ssh', status: 'fail', detail: 'HOST KEY MISMATCH' }]);
  });

  it('judge docker reachability and version', () => {
    expect(statusOf(healthy({ docker: { ok: false, error: 'connect failed' } }), 'docker')).toBe('fail');
    expect(dockerVersionSupported('1.13.1')).toBe(true);
    expect(dockerVersionSupported('1.12.6')).toBe(false);
    expect(dockerVersionSupported('17.03.2-ce')).toBe(true);
    expect(dockerVersionSupported('20.10.24+dfsg1')).toBe(true);
    expect(dockerVersionSupported('nonsense')).toBe(false);
  });

  it('judge kernel settings, naming the missing module', () => {
    const k = (s: Record<string, string | undefined>) => judgeNode(healthy({ sysctls: s }), 'canal').find((r) => r.check === 'kernel')!;
    expect(k({ 'net.ipv4.ip_forward': '0', 'net.bridge.bridge-nf-call-iptables': '1' }).status).toBe('fail');
    const missing = k({ 'net.ipv4.ip_forward': '1', 'net.bridge.bridge-nf-call-iptables': undefined });
    expect(missing.status).toBe('fail');
    expect(missing.hint).toContain('modprobe br_netfilter');
  });

  it('judge disk space and clock offset against the limits', () => {
    expect(statusOf(healthy({ disk: { path: '/', availableBytes: 1024 ** 3 } }), 'disk')).toBe('fail');
    expect(statusOf(healthy({ disk: { path: '/', availableBytes: 5 * 1024 ** 3 } }), 'disk')).toBe('warn');
    expect(statusOf(healthy({ clock: { offsetMs: 5_000, uncertaintyMs: 10 } }), 'clock')).toBe('fail');
    expect(statusOf(healthy({ clock: { offsetMs: -900, uncertaintyMs: 10 } }), 'clock')).toBe('warn');
    // An offset the round trip can explain is not skew.
    expect(statusOf(healthy({ clock: { offsetMs: 2_500, uncertaintyMs: 2_400 } }), 'clock')).toBe('ok');
    expect(DEFAULT_LIMITS.clockFailMs).toBeGreaterThan(DEFAULT_LIMITS.clockWarnMs);
  });
});

describe('cluster checks', () => {
  it('catch clocks that disagree between nodes and duplicate node names', () => {
    const a = healthy({ address: 'a', nodeName: 'same', osHostname: 'h', clock: { offsetMs: -1_500, uncertaintyMs: 5 } });
    const b = healthy({ address: 'b', nodeName: 'same', osHostname: 'h', clock: { offsetMs: 1_500, uncertaintyMs: 5 } });
    const r = judgeCluster([a, b]);
    expect(r.find((x) => x.check === 'clock')?.status).toBe('fail');
    expect(r.filter((x) => x.check === 'hostname').map((x) => x.status).sort()).toEqual(['fail', 'warn']);
    const ok = judgeCluster([healthy({ address: 'a', nodeName: 'a', osHostname: 'a' }), healthy({ address: 'b', nodeName: 'b', osHostname: 'b' })]);
    expect(ok.every((x) => x.status === 'ok')).toBe(true);
  });
});

describe('probe output and report', () => {
  it('parses the probe script sections', () => {
    const out = [
      '--hostname', 'node-1', '--ip_forward', '1', '--bridge_nf', '--tcp',
      '  sl  local_address rem_address   st',
      '   0: 00000000:1B58 00000000:0000 0A 0 0 0 0 0 1',
      '--tcp6', '--udp', '--udp6', '--links', 'eth0', 'lo', 'drover.vxlan', '--df', '/var/lib/docker',
      '/dev/vda1  100000  40000  60000  40% /',
    ].join('\n');
    expect(parseProbeOutput(out)).toEqual({
      osHostname: 'node-1',
      sysctls: { 'net.ipv4.ip_forward': '1', 'net.bridge.bridge-nf-call-iptables': undefined },
      listeners: [{ proto: 'tcp', address: '0.0.0.0', port: 7000 }],
      links: ['eth0', 'lo', 'drover.vxlan'],
      disk: { path: '/var/lib/docker', availableBytes: 60000 * 1024 },
    });
  });

  it('the VXLAN port held by drover\'s own overlay device is not a conflict', () => {
    const udp = [{ proto: 'udp' as const, address: '0.0.0.0', port: 8472 }];
    const held = judgeNode(healthy({ listeners: udp, links: ['eth0'] }), 'vxlan').find((r) => r.check === 'ports');
    expect(held?.status).toBe('fail');
    const ours = judgeNode(healthy({ listeners: udp, links: ['eth0', 'drover.vxlan'] }), 'vxlan').find((r) => r.check === 'ports');
    expect(ours?.status).toBe('ok');
  });

  it('prints a block per node with hints for failures only', () => {
    const results = [...judgeNode(healthy({ sysctls: { 'net.ipv4.ip_forward': '0', 'net.bridge.bridge-nf-call-iptables': '1' } }), 'canal')];
    const text = formatPreflightTable(results, { tty: false, roles: { '10.0.0.1': ['etcd'] } });
    expect(text).toContain('node 10.0.0.1 (etcd)');
    expect(text).toMatch(/FAIL kernel +net\.ipv4\.ip_forward=0/);
    expect(text.match(/hint:/g)).toHaveLength(1);
    expect(text.trimEnd().split('\n').at(-1)).toBe('1 check(s) failed, 0 warning(s)');
  });
});
