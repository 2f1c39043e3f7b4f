import { isIPv4, isIPv6 } from 'node:net';

/** Just enough IP arithmetic for config rules: parse, contain, overlap (IPv4 and IPv6). */
export interface Cidr {
  text: string;
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

function ipToBigInt(ip: string): { value: bigint; family: 4 | 6 } | undefined {
  if (isIPv4(ip)) {
    return { value: ip.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n), family: 4 };
  }
  if (isIPv6(ip)) {
    if (ip.includes('.')) return undefined; // v4-mapped forms are not used in cluster ranges
    const [head = '', tail = ''] = ip.split('::');
    const headParts = head ? head.split(':') : [];
    const tailParts = ip.includes('::') ? (tail ? tail.split(':') : []) : [];
    const missing = 8 - headParts.length - tailParts.length;
    const parts = [...headParts, ...Array<string>(ip.includes('::') ? missing : 0).fill('0'), ...tailParts];
    return { value: parts.reduce((acc, part) => (acc << 16n) | BigInt(parseInt(part, 16)), 0n), family: 6 };
  }
  return undefined;
}

export const isIpAddress = (text: string): boolean => isIPv4(text) || isIPv6(text);

export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const ip = ipToBigInt(m[1] ?? '');
  const prefix = Number(m[2]);
  if (!ip) return undefined;
  const bits = ip.family === 4 ? 32 : 128;
  if (prefix > bits) return undefined;
  const hostBits = BigInt(bits - prefix);
  const network = (ip.value >> hostBits) << hostBits;
  return { text, family: ip.family, network, prefix };
}

function bitsOf(c: Cidr): number {
  return c.family === 4 ? 32 : 128;
}

export function cidrContains(c: Cidr, ip: string): boolean {
  const parsed = ipToBigInt(ip);
  if (!parsed || parsed.family !== c.family) return false;
  const hostBits = BigInt(bitsOf(c) - c.prefix);
  return parsed.value >> hostBits === c.network >> hostBits;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const shorter = Math.min(a.prefix, b.prefix);
  const hostBits = BigInt(bitsOf(a) - shorter);
  return a.network >> hostBits === b.network >> hostBits;
}

/** True when the CIDR was written with host bits set (10.43.0.1/16), which Kubernetes rejects. */
export function hasHostBits(c: Cidr): boolean {
  const ip = ipToBigInt(c.text.split('/')[0] ?? '');
  return ip !== undefined && ip.value !== c.network;
}

/** The n-th address of a range, as text (n = 1: the first usable, e.g. the kubernetes Service IP). */
export function nthAddress(c: Cidr, n: number): string {
  const value = c.network + BigInt(n);
  if (c.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((value >> s) & 0xffffn).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}
