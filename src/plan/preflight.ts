import type { Role } from '../model/cluster.js';
import { requiredPorts, type Listener } from './preflight-ports.js';

/**
 * `drover check` judged as data: facts observed on each node go in, a list of results comes
 * out. No I/O here, so every rule is unit-tested on hand-written facts.
 */
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  /** Node address, or "cluster" for checks across nodes. */
  node: string;
  check: 'ssh' | 'docker' | 'ports' | 'kernel' | 'disk' | 'clock' | 'hostname';
  status: CheckStatus;
  detail: string;
  hint?: string;
}

export interface NodeFacts {
  address: string;
  /** The Kubernetes node name drover will use (hostname_override, else address). */
  nodeName: string;
  roles: Role[];
  ssh: { ok: true; user: string; port: number } | { ok: false; error: string; hostKey: boolean };
  osHostname?: string;
  docker?: { ok: true; version: string; apiVersion: string; route: string } | { ok: false; error: string };
  listeners?: Listener[];
  /** Network interfaces on the node (drover's overlay device holds its UDP port). */
  links?: string[];
  /** Names of running containers (owners of ports on a cluster that is already up). */
  runningContainers?: string[];
  /** sysctl values by dotted name; undefined when the entry does not exist. */
  sysctls?: Record<string, string | undefined>;
  disk?: { path: string; availableBytes: number };
  /** Remote clock minus local clock at the middle of the round trip; uncertainty is half the round trip. */
  clock?: { offsetMs: number; uncertaintyMs: number };
}

export interface PreflightLimits {
  diskFailBytes: number;
  diskWarnBytes: number;
  clockWarnMs: number;
  clockFailMs: number;
}

export const DEFAULT_LIMITS: PreflightLimits = {
  diskFailBytes: 2 * 1024 ** 3,
  diskWarnBytes: 10 * 1024 ** 3,
  clockWarnMs: 500,
  clockFailMs: 2_000,
};

/** Docker releases RKE v1 accepted: 1.13.1, 17.03 and later (incl. 20.10, 23+). */
export function dockerVersionSupported(version: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major >= 17 || (major === 1 && minor >= 13);
}

const globToRegExp = (g: string) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);

function judgePorts(f: NodeFacts, networkPlugin: string): CheckResult {
  if (!f.listeners) return { node: f.address, check: 'ports', status: 'fail', detail: 'listening sockets not read' };
  const running = f.runningContainers ?? [];
  const conflicts: string[] = [];
  const ours: string[] = [];
  for (const req of requiredPorts(f.roles, networkPlugin)) {
    const held = f.listeners.filter((l) => l.port === req.port && l.proto === req.proto);
    if (held.length === 0) continue;
    const owner =
      running.find((name) => req.owners.some((o) => globToRegExp(o).test(name))) ?? req.ownerLinks?.find((link) => f.links?.includes(link));
    const label = `${req.port}/${req.proto} (${req.component})`;
    if (owner) ours.push(`${label} by ${owner}`);
    else conflicts.push(`${label} on ${held.map((h) => h.address).join(', ')}`);
  }
  if (conflicts.length > 0) {
    return {
      node: f.address,
      check: 'ports',
      status: 'fail',
      detail: `in use: ${conflicts.join('; ')}`,
      hint: 'stop whatever listens there (ss -ltnup shows the process) or move this node to other roles',
    };
  }
  const n = requiredPorts(f.roles, networkPlugin).length;
  return { node: f.address, check: 'ports', status: 'ok', detail: ours.length ? `${n} free or held by drover: ${ours.join('; ')}` : `${n} required ports free` };
}

function judgeKernel(f: NodeFacts): CheckResult {
  if (!f.sysctls) return { node: f.address, check: 'kernel', status: 'fail', detail: 'kernel settings not read' };
  const s = f.sysctls;
  const problems: string[] = [];
  const hints: string[] = [];
  if (s['net.ipv4.ip_forward'] !== '1') {
    problems.push(`net.ipv4.ip_forward=${s['net.ipv4.ip_forward'] ?? 'missing'}`);
    hints.push('sysctl -w net.ipv4.ip_forward=1');
  }
  const bridge = s['net.bridge.bridge-nf-call-iptables'];
  if (bridge === undefined) {
    problems.push('net.bridge.bridge-nf-call-iptables missing (br_netfilter not loaded)');
    hints.push('modprobe br_netfilter');
  } else if (bridge !== '1') {
    problems.push(`net.bridge.bridge-nf-call-iptables=${bridge}`);
    hints.push('sysctl -w net.bridge.bridge-nf-call-iptables=1');
  }
  if (problems.length > 0) {
    return { node: f.address, check: 'kernel', status: 'fail', detail: problems.join(', '), hint: `on the node: ${hints.join('; ')} (and persist it in /etc/sysctl.d)` };
  }
  return { node: f.address, check: 'kernel', status: 'ok', detail: 'ip_forward=1, bridge-nf-call-iptables=1' };
}

const gib = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;

function judgeDisk(f: NodeFacts, limits: PreflightLimits): CheckResult {
  const d = f.disk;
  if (!d) return { node: f.address, check: 'disk', status: 'fail', detail: 'free space unknown' };
  const detail = `${gib(d.availableBytes)} free on ${d.path}`;
  if (d.availableBytes < limits.diskFailBytes)
    return { node: f.address, check: 'disk', status: 'fail', detail, hint: `images and etcd need at least ${gib(limits.diskFailBytes)}` };
  if (d.availableBytes < limits.diskWarnBytes) return { node: f.address, check: 'disk', status: 'warn', detail, hint: `${gib(limits.diskWarnBytes)} or more is advised` };
  return { node: f.address, check: 'disk', status: 'ok', detail };
}

function judgeClock(f: NodeFacts, limits: PreflightLimits): CheckResult {
  const c = f.clock;
  if (!c) return { node: f.address, check: 'clock', status: 'fail', detail: 'clock not read' };
  // Only the part of the offset the round trip cannot explain counts.
  const skew = Math.max(0, Math.abs(c.offsetMs) - c.uncertaintyMs);
  const detail = `offset ${Math.round(c.offsetMs)} ms from this machine (±${Math.round(c.uncertaintyMs)} ms)`;
  const hint = 'run NTP (chrony, systemd-timesyncd) on every node: certificates and etcd need agreeing clocks';
  if (skew > limits.clockFailMs) return { node: f.address, check: 'clock', status: 'fail', detail, hint };
  if (skew > limits.clockWarnMs) return { node: f.address, check: 'clock', status: 'warn', detail, hint };
  return { node: f.address, check: 'clock', status: 'ok', detail };
}

export function judgeNode(f: NodeFacts, networkPlugin: string, limits: PreflightLimits = DEFAULT_LIMITS): CheckResult[] {
  if (!f.ssh.ok) {
    return [{
      node: f.address,
      check: 'ssh',
      status: 'fail',
      detail: f.ssh.error,
      ...(f.ssh.hostKey ? {} : { hint: 'other checks need SSH; fix this first' }),
    }];
  }
  const results: CheckResult[] = [{ node: f.address, check: 'ssh', status: 'ok', detail: `${f.ssh.user}@${f.address}:${f.ssh.port}, host key verified` }];
  const d = f.docker;
  if (!d || !d.ok) {
    results.push({ node: f.address, check: 'docker', status: 'fail', detail: d ? d.error : 'not checked', hint: 'install Docker and start dockerd; check docker_socket' });
  } else if (!dockerVersionSupported(d.version)) {
    results.push({ node: f.address, check: 'docker', status: 'fail', detail: `Docker ${d.version} is too old`, hint: 'Docker 1.13.1, 17.03 or newer is needed' });
  } else {
    results.push({ node: f.address, check: 'docker', status: 'ok', detail: `Docker ${d.version} (API ${d.apiVersion}, via ${d.route})` });
  }
  return [...results, judgePorts(f, networkPlugin), judgeKernel(f), judgeDisk(f, limits), judgeClock(f, limits)];
}

/** Checks across nodes: clocks agreeing with each other, and node names unique. */
export function judgeCluster(all: NodeFacts[], limits: PreflightLimits = DEFAULT_LIMITS): CheckResult[] {
  const results: CheckResult[] = [];
  const clocks = all.filter((f) => f.clock).map((f) => ({ address: f.address, ...f.clock! }));
  if (clocks.length >= 2) {
    const lo = clocks.reduce((a, b) => (a.offsetMs <= b.offsetMs ? a : b));
    const hi = clocks.reduce((a, b) => (a.offsetMs >= b.offsetMs ? a : b));
    const spread = Math.max(0, hi.offsetMs - lo.offsetMs - hi.uncertaintyMs - lo.uncertaintyMs);
    const detail = `largest skew between nodes ${Math.round(hi.offsetMs - lo.offsetMs)} ms (${hi.address} vs ${lo.address})`;
    const status: CheckStatus = spread > limits.clockFailMs ? 'fail' : spread > limits.clockWarnMs ? 'warn' : 'ok';
    results.push({ node: 'cluster', check: 'clock', status, detail, ...(status === 'ok' ? {} : { hint: 'synchronise the nodes with NTP' }) });
  }
  const byName = groupBy(all, (f) => f.nodeName);
  const dupNames = [...byName].filter(([, fs]) => fs.length > 1);
  if (dupNames.length > 0) {
    results.push({
      node: 'cluster',
      check: 'hostname',
      status: 'fail',
      detail: dupNames.map(([n, fs]) => `node name ${n} used by ${fs.map((f) => f.address).join(', ')}`).join('; '),
      hint: 'give each node a distinct hostname_override',
    });
  }
  const byOs = groupBy(all.filter((f) => f.osHostname), (f) => f.osHostname!);
  const dupOs = [...byOs].filter(([, fs]) => fs.length > 1);
  if (dupOs.length > 0) {
    results.push({
      node: 'cluster',
      check: 'hostname',
      status: 'warn',
      detail: dupOs.map(([n, fs]) => `machines ${fs.map((f) => f.address).join(', ')} all call themselves ${n}`).join('; '),
      hint: 'drover names nodes by hostname_override or address, but logs and tools are easier with distinct hostnames',
    });
  }
  if (dupNames.length === 0 && dupOs.length === 0) {
    results.push({ node: 'cluster', check: 'hostname', status: 'ok', detail: `${all.length} distinct node names` });
  }
  return results;
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) m.set(key(it), [...(m.get(key(it)) ?? []), it]);
  return m;
}
