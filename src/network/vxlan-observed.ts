/**
 * What a node's overlay looks like now, read in one round trip: the read script prints each
 * part under a marker line and `parseVxlanObserved` turns that text into data. Pure: the SSH
 * side (src/ops/ssh-network-ops.ts) only runs the script.
 */
export interface ObservedLink {
  kind: string | undefined;
  vni: number | undefined;
  local: string | undefined;
  port: number | undefined;
  learning: boolean | undefined;
  mtu: number;
  mac: string;
  up: boolean;
}

export interface VxlanObserved {
  link: ObservedLink | undefined;
  /** IPv4 addresses on the device, "a.b.c.d/len". */
  addresses: string[];
  fdb: { mac: string; dst: string }[];
  neighbours: { ip: string; mac: string | undefined; permanent: boolean }[];
  /** IPv4 routes through the device; dst always with a prefix length. */
  routes: { dst: string; gateway: string | undefined; onlink: boolean }[];
  /** `iptables -S FORWARD` and `iptables -t nat -S POSTROUTING` lines. */
  forwardRules: string[];
  natRules: string[];
  ipForward: boolean;
  /** undefined: br_netfilter is not loaded (the sysctl does not exist). */
  bridgeNfCallIptables: boolean | undefined;
}

const SECTIONS = ['link', 'addr', 'fdb', 'neigh', 'route', 'filter', 'nat', 'sysctl'] as const;
type Section = (typeof SECTIONS)[number];

/** The device name is one of ours (checked by the caller), so it needs no quoting. */
export function vxlanReadScript(device: string): string {
  const json = (cmd: string) => `${cmd} 2>/dev/null || echo '[]'`;
  return [
    'PATH="$PATH:/usr/sbin:/sbin"',
    `echo @@link; ${json(`ip -d -j link show dev ${device}`)}`,
    `echo @@addr; ${json(`ip -j -4 addr show dev ${device}`)}`,
    `echo @@fdb; ${json(`bridge -j fdb show dev ${device}`)}`,
    `echo @@neigh; ${json(`ip -j -4 neigh show dev ${device}`)}`,
    `echo @@route; ${json(`ip -j -4 route show dev ${device}`)}`,
    'echo @@filter; iptables -w 5 -S FORWARD || exit 3',
    'echo @@nat; iptables -w 5 -t nat -S POSTROUTING || exit 3',
    'echo @@sysctl; cat /proc/sys/net/ipv4/ip_forward; cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || echo missing',
  ].join('\n');
}

function split(text: string): Record<Section, string> {
  const out = Object.fromEntries(SECTIONS.map((s) => [s, ''])) as Record<Section, string>;
  let current: Section | undefined;
  for (const line of text.split('\n')) {
    const marker = /^@@(\w+)$/.exec(line.trim());
    if (marker && (SECTIONS as readonly string[]).includes(marker[1]!)) {
      current = marker[1] as Section;
      continue;
    }
    if (current) out[current] += `${line}\n`;
  }
  return out;
}

type Json = Record<string, unknown>;

function jsonArray(text: string, what: string): Json[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    throw new Error(`cannot read ${what}: not JSON (${trimmed.slice(0, 80)})`);
  }
  return Array.isArray(value) ? value.filter((v): v is Json => typeof v === 'object' && v !== null) : [];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);

export function parseVxlanObserved(text: string): VxlanObserved {
  const parts = split(text);
  if (!parts.filter.includes('-P FORWARD')) throw new Error('cannot read the FORWARD chain with iptables -S');
  const [link] = jsonArray(parts.link, 'ip link');
  const info = (link?.['linkinfo'] as Json | undefined) ?? {};
  const data = (info['info_data'] as Json | undefined) ?? {};
  const [address] = jsonArray(parts.addr, 'ip addr');
  const sysctl = parts.sysctl.split('\n').map((l) => l.trim()).filter(Boolean);
  return {
    link: link
      ? {
          kind: str(info['info_kind']),
          vni: num(data['id']),
          local: str(data['local']),
          port: num(data['port']),
          learning: typeof data['learning'] === 'boolean' ? data['learning'] : undefined,
          mtu: num(link['mtu']) ?? 0,
          mac: (str(link['address']) ?? '').toLowerCase(),
          up: list(link['flags']).includes('UP'),
        }
      : undefined,
    addresses: (Array.isArray(address?.['addr_info']) ? (address['addr_info'] as Json[]) : [])
      .filter((a) => a['family'] === 'inet')
      .map((a) => `${str(a['local'])}/${num(a['prefixlen'])}`),
    fdb: jsonArray(parts.fdb, 'bridge fdb')
      .filter((e) => str(e['dst']) !== undefined && str(e['mac']) !== undefined)
      .map((e) => ({ mac: str(e['mac'])!.toLowerCase(), dst: str(e['dst'])! })),
    neighbours: jsonArray(parts.neigh, 'ip neigh')
      .filter((e) => str(e['dst']) !== undefined)
      .map((e) => ({ ip: str(e['dst'])!, mac: str(e['lladdr'])?.toLowerCase(), permanent: list(e['state']).includes('PERMANENT') })),
    routes: jsonArray(parts.route, 'ip route')
      .filter((r) => str(r['dst']) !== undefined && r['dst'] !== 'default')
      .map((r) => {
        const dst = str(r['dst'])!;
        return { dst: dst.includes('/') ? dst : `${dst}/32`, gateway: str(r['gateway']), onlink: list(r['flags']).includes('onlink') };
      }),
    forwardRules: lines(parts.filter),
    natRules: lines(parts.nat),
    ipForward: sysctl[0] === '1',
    bridgeNfCallIptables: sysctl[1] === 'missing' || sysctl[1] === undefined ? undefined : sysctl[1] === '1',
  };
}

const lines = (text: string): string[] => text.split('\n').map((l) => l.trim()).filter(Boolean);

/** What a node without any overlay looks like (a fresh node, or after the device was deleted). */
export function withoutDevice(observed: VxlanObserved): VxlanObserved {
  return { ...observed, link: undefined, addresses: [], fdb: [], neighbours: [], routes: [] };
}
