import { parseProcNet, type Listener } from './preflight-ports.js';

/**
 * One shell script gathers every read-only fact `drover check` needs from a node in a single
 * SSH command (sections marked `--name`), so a node costs one round trip, not ten. It changes
 * nothing; missing files just leave their section empty.
 */
export function probeScript(dockerRoot: string): string {
  const root = dockerRoot.replace(/'/g, `'\\''`);
  return [
    'echo --hostname; uname -n',
    'echo --ip_forward; cat /proc/sys/net/ipv4/ip_forward 2>/dev/null',
    'echo --bridge_nf; cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null',
    'for f in tcp tcp6 udp udp6; do echo "--$f"; cat /proc/net/$f 2>/dev/null; done',
    'echo --links; ls /sys/class/net 2>/dev/null',
    // The docker root may not exist yet: measure the nearest existing parent's filesystem.
    `echo --df; d='${root}'; while [ ! -d "$d" ]; do d=$(dirname "$d"); done; echo "$d"; df -Pk "$d" 2>/dev/null | tail -n 1`,
  ].join('\n');
}

export interface ProbeFacts {
  osHostname: string;
  sysctls: Record<string, string | undefined>;
  listeners: Listener[];
  links: string[];
  disk?: { path: string; availableBytes: number };
}

export function parseProbeOutput(out: string): ProbeFacts {
  const sections = new Map<string, string[]>();
  let current = '';
  for (const line of out.split('\n')) {
    const m = /^--(\w+)$/.exec(line);
    if (m) {
      current = m[1]!;
      sections.set(current, []);
    } else if (current) sections.get(current)!.push(line);
  }
  const first = (name: string) => {
    const v = (sections.get(name) ?? []).map((l) => l.trim()).find((l) => l !== '');
    return v === undefined ? undefined : v;
  };
  const listeners = (['tcp', 'tcp6', 'udp', 'udp6'] as const).flatMap((name) =>
    parseProcNet(['header', ...(sections.get(name) ?? [])].join('\n'), name.startsWith('tcp') ? 'tcp' : 'udp'),
  );
  const facts: ProbeFacts = {
    osHostname: first('hostname') ?? '',
    sysctls: { 'net.ipv4.ip_forward': first('ip_forward'), 'net.bridge.bridge-nf-call-iptables': first('bridge_nf') },
    listeners,
    links: (sections.get('links') ?? []).map((l) => l.trim()).filter(Boolean),
  };
  const df = (sections.get('df') ?? []).filter((l) => l.trim() !== '');
  const avail = df[1]?.trim().split(/\s+/)[3];
  if (df[0] && avail && /^\d+$/.test(avail)) facts.disk = { path: df[0].trim(), availableBytes: Number(avail) * 1024 };
  return facts;
}
