import type { TaskChange } from '../executor/task.js';
import { RULE_COMMENT, type VxlanNodeConfig, type VxlanPeer } from './vxlan-config.js';
import { withoutDevice, type VxlanObserved } from './vxlan-observed.js';

/**
 * observed + desired → the steps that make a node's overlay match, each with the change it
 * stands for (what `drover plan` shows) and the command that does it. Nothing that already
 * matches produces a step, so a node whose peers did not change gets an empty list.
 */
export type StepPhase = 'link' | 'bridge' | 'ip' | 'rules';

export interface VxlanStep {
  phase: StepPhase;
  /** For `link`/`rules`: a shell command; for `bridge`/`ip`: one line of `-batch` input. */
  command: string;
  change: TaskChange;
}

export function desiredRules(cfg: Pick<VxlanNodeConfig, 'clusterCidr'>): { forward: string[]; nat: string[] } {
  const c = cfg.clusterCidr;
  const mark = `-m comment --comment ${RULE_COMMENT}`;
  return {
    // Docker sets FORWARD's policy to DROP and bridge-nf sends even same-bridge pod traffic through it.
    forward: [`-A FORWARD -s ${c} ${mark} -j ACCEPT`, `-A FORWARD -d ${c} ${mark} -j ACCEPT`],
    // The CNI bridge runs with ipMasq false: pods leaving the cluster range go out as the node.
    nat: [`-A POSTROUTING -s ${c} ! -d ${c} ${mark} -j MASQUERADE`],
  };
}

const isOurs = (rule: string) => rule.includes(`--comment ${RULE_COMMENT}`) || rule.includes(`--comment "${RULE_COMMENT}"`);

function linkSteps(cfg: VxlanNodeConfig, observed: VxlanObserved): { steps: VxlanStep[]; recreated: boolean } {
  const d = cfg.device;
  const create = [
    `ip link add ${d} address ${cfg.mac} mtu ${cfg.mtu} type vxlan id ${cfg.vni} local ${cfg.local} dstport ${cfg.port} nolearning`,
    `ip link set dev ${d} up`,
  ].join(' && ');
  const subject = `vxlan device ${d} (VNI ${cfg.vni}, ${cfg.local}:${cfg.port}, MTU ${cfg.mtu})`;
  const link = observed.link;
  if (!link) return { steps: [{ phase: 'link', command: create, change: { action: 'create', subject } }], recreated: true };
  const identity = link.kind === 'vxlan' && link.vni === cfg.vni && link.local === cfg.local && link.port === cfg.port && link.learning === false;
  if (!identity) {
    const was = `${link.kind ?? '?'} VNI ${link.vni ?? '?'}, ${link.local ?? '?'}:${link.port ?? '?'}${link.learning ? ', learning' : ''}`;
    return {
      steps: [{ phase: 'link', command: `ip link del ${d} && ${create}`, change: { action: 'replace', subject, diff: `- ${was}\n+ vxlan VNI ${cfg.vni}, ${cfg.local}:${cfg.port}` } }],
      recreated: true,
    };
  }
  if (link.mac !== cfg.mac || link.mtu !== cfg.mtu || !link.up) {
    const diff = [
      ...(link.mac !== cfg.mac ? [`- address ${link.mac}`, `+ address ${cfg.mac}`] : []),
      ...(link.mtu !== cfg.mtu ? [`- mtu ${link.mtu}`, `+ mtu ${cfg.mtu}`] : []),
      ...(!link.up ? ['- down', '+ up'] : []),
    ].join('\n');
    return { steps: [{ phase: 'link', command: `ip link set dev ${d} address ${cfg.mac} mtu ${cfg.mtu} up`, change: { action: 'update', subject, diff } }], recreated: false };
  }
  return { steps: [], recreated: false };
}

function peerSubject(p: { endpoint: string; subnet: string; address?: string }): string {
  const name = p.address && p.address !== p.endpoint ? `${p.address} (${p.endpoint})` : p.endpoint;
  return `overlay peer ${name}: ${p.subnet}`;
}

function peerSteps(cfg: VxlanNodeConfig, observed: VxlanObserved): VxlanStep[] {
  const d = cfg.device;
  const steps: VxlanStep[] = [];
  const wanted = (p: VxlanPeer) => ({
    fdb: observed.fdb.some((f) => f.mac === p.mac && f.dst === p.endpoint),
    neigh: observed.neighbours.some((n) => n.ip === p.gateway && n.mac === p.mac && n.permanent),
    route: observed.routes.some((r) => r.dst === p.subnet && r.gateway === p.gateway && r.onlink),
  });
  const desiredFdb = new Set(cfg.peers.map((p) => `${p.mac} ${p.endpoint}`));
  const desiredNeigh = new Map(cfg.peers.map((p) => [p.gateway, p]));
  const desiredRoute = new Set(cfg.peers.map((p) => p.subnet));

  // Stale entries first (a peer that left, or one whose endpoint moved), grouped per old peer where the chain route → neighbour → fdb allows.
  const staleRoutes = observed.routes.filter((r) => !desiredRoute.has(r.dst));
  const staleNeigh = observed.neighbours.filter((n) => !desiredNeigh.has(n.ip));
  const staleFdb = observed.fdb.filter((f) => !desiredFdb.has(`${f.mac} ${f.dst}`));
  const subjects = new Map<object, string>();
  for (const r of staleRoutes) {
    const n = staleNeigh.find((x) => x.ip === r.gateway);
    const f = n && staleFdb.find((x) => x.mac === n.mac);
    const subject = peerSubject({ endpoint: f?.dst ?? r.gateway ?? '?', subnet: r.dst });
    for (const entry of [r, n, f]) if (entry) subjects.set(entry, subject);
  }
  const del = (entry: object, fallback: string): TaskChange => ({ action: 'delete', subject: subjects.get(entry) ?? fallback });
  for (const r of staleRoutes) steps.push({ phase: 'ip', command: `route del ${r.dst} dev ${d}`, change: del(r, `overlay route ${r.dst}`) });
  for (const n of staleNeigh) steps.push({ phase: 'ip', command: `neigh del ${n.ip} dev ${d}`, change: del(n, `overlay neighbour ${n.ip}${n.mac ? ` → ${n.mac}` : ''}`) });
  for (const f of staleFdb) steps.push({ phase: 'bridge', command: `fdb del ${f.mac} dev ${d} dst ${f.dst} self`, change: del(f, `overlay forwarding entry ${f.mac} → ${f.dst}`) });

  for (const p of cfg.peers) {
    const has = wanted(p);
    if (has.fdb && has.neigh && has.route) continue;
    const known = observed.fdb.some((f) => f.mac === p.mac) || observed.routes.some((r) => r.dst === p.subnet);
    const change: TaskChange = { action: known ? 'update' : 'create', subject: peerSubject(p) };
    if (!has.fdb) steps.push({ phase: 'bridge', command: `fdb replace ${p.mac} dev ${d} dst ${p.endpoint} self permanent`, change });
    if (!has.neigh) steps.push({ phase: 'ip', command: `neigh replace ${p.gateway} lladdr ${p.mac} dev ${d} nud permanent`, change });
    if (!has.route) steps.push({ phase: 'ip', command: `route replace ${p.subnet} via ${p.gateway} dev ${d} onlink`, change });
  }
  return steps;
}

function addressSteps(cfg: VxlanNodeConfig, observed: VxlanObserved): VxlanStep[] {
  const want = `${cfg.deviceAddress}/32`;
  const steps: VxlanStep[] = observed.addresses
    .filter((a) => a !== want)
    .map((a) => ({ phase: 'ip', command: `addr del ${a} dev ${cfg.device}`, change: { action: 'delete', subject: `address ${a} on ${cfg.device}` } }));
  if (!observed.addresses.includes(want)) steps.push({ phase: 'ip', command: `addr add ${want} dev ${cfg.device}`, change: { action: 'create', subject: `address ${want} on ${cfg.device} (node subnet ${cfg.subnet})` } });
  return steps;
}

function ruleSteps(cfg: VxlanNodeConfig, observed: VxlanObserved): VxlanStep[] {
  const want = desiredRules(cfg);
  const steps: VxlanStep[] = [];
  const table = (name: 'filter' | 'nat', have: string[], wanted: string[]) => {
    const t = name === 'nat' ? ' -t nat' : '';
    for (const rule of have.filter((r) => isOurs(r) && !wanted.includes(r))) {
      steps.push({ phase: 'rules', command: `iptables -w 5${t} ${rule.replace(/^-A /, '-D ')}`, change: { action: 'delete', subject: `iptables${t} rule ${rule}` } });
    }
    for (const rule of wanted.filter((r) => !have.includes(r))) {
      steps.push({ phase: 'rules', command: `iptables -w 5${t} ${rule}`, change: { action: 'create', subject: `iptables${t} rule ${rule}` } });
    }
  };
  table('filter', observed.forwardRules, want.forward);
  table('nat', observed.natRules, want.nat);
  if (!observed.ipForward) steps.push({ phase: 'rules', command: 'echo 1 > /proc/sys/net/ipv4/ip_forward', change: { action: 'update', subject: 'sysctl net.ipv4.ip_forward=1' } });
  if (observed.bridgeNfCallIptables !== true) {
    steps.push({
      phase: 'rules',
      command: '{ [ -e /proc/sys/net/bridge ] || modprobe br_netfilter; } && echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables',
      change: { action: 'update', subject: 'sysctl net.bridge.bridge-nf-call-iptables=1' },
    });
  }
  return steps;
}

export function vxlanSteps(cfg: VxlanNodeConfig, observed: VxlanObserved): VxlanStep[] {
  const link = linkSteps(cfg, observed);
  const after = link.recreated ? withoutDevice(observed) : observed;
  return [...link.steps, ...addressSteps(cfg, after), ...peerSteps(cfg, after), ...ruleSteps(cfg, observed)];
}

/** The changes of the steps, one per subject (a peer's fdb, neighbour and route are one change). */
export function stepChanges(steps: readonly VxlanStep[]): TaskChange[] {
  const seen = new Map<string, TaskChange>();
  for (const s of steps) if (!seen.has(`${s.change.action} ${s.change.subject}`)) seen.set(`${s.change.action} ${s.change.subject}`, s.change);
  return [...seen.values()];
}

/**
 * One script for all steps: the device first, then `bridge -batch` and `ip -batch`, then rules.
 * It goes on past a failed step (so one vanished entry does not stop the rest) and exits non-zero
 * if any failed; the caller reads the node again to see what is still missing.
 */
export function stepsScript(steps: readonly VxlanStep[]): string {
  const of = (phase: StepPhase) => steps.filter((s) => s.phase === phase).map((s) => s.command);
  const batch = (tool: string, lines: string[]) => (lines.length === 0 ? [] : [`${tool} -force -batch - <<'DROVER_EOF' || rc=1`, ...lines, 'DROVER_EOF']);
  const each = (commands: string[]) => commands.map((c) => `{ ${c}; } || rc=1`);
  return ['rc=0', 'PATH="$PATH:/usr/sbin:/sbin"', ...each(of('link')), ...batch('bridge', of('bridge')), ...batch('ip', of('ip')), ...each(of('rules')), 'exit $rc'].join('\n');
}
