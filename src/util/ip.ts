import { isIP } from 'node:net';

/**
 * IP arithmetic for config rules and certificate SANs: parse, contain, overlap, nth address, and
 * the 4- or 16-byte form X.509 wants. node:net only validates; the rest is ours.
 */
export const isIpAddress = (value: string): boolean => isIP(value) !== 0;

export interface Cidr {
  text: string;
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

const toBigInt = (bytes: Buffer): bigint => bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);

function fromBigInt(value: bigint, family: 4 | 6): Buffer {
  const out = Buffer.alloc(family === 4 ? 4 : 16);
  for (let i = out.length - 1, v = value; i >= 0; i--, v >>= 8n) out[i] = Number(v & 255n);
  return out;
}

export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  const base = m?.[1] ?? '';
  if (!m || !isIpAddress(base)) return undefined;
  const family = isIP(base) as 4 | 6;
  const bits = family === 4 ? 32 : 128;
  const prefix = Number(m[2]);
  if (prefix > bits) return undefined;
  const hostBits = BigInt(bits - prefix);
  return { text, family, network: (toBigInt(ipToBytes(base)) >> hostBits) << hostBits, prefix };
}

const bitsOf = (c: Cidr): number => (c.family === 4 ? 32 : 128);

export function cidrContains(c: Cidr, ip: string): boolean {
  if (isIP(ip) !== c.family) return false;
  const hostBits = BigInt(bitsOf(c) - c.prefix);
  return toBigInt(ipToBytes(ip)) >> hostBits === c.network >> hostBits;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const hostBits = BigInt(bitsOf(a) - Math.min(a.prefix, b.prefix));
  return a.network >> hostBits === b.network >> hostBits;
}

/** True when the CIDR was written with host bits set (10.43.0.1/16), which Kubernetes rejects. */
export function hasHostBits(c: Cidr): boolean {
  return toBigInt(ipToBytes(c.text.split('/')[0] ?? '')) !== c.network;
}

/** The n-th address of a range (n = 1: the first usable, the `kubernetes` Service IP). */
export function nthAddress(c: Cidr, n: number): string {
  return bytesToIp(fromBigInt(c.network + BigInt(n), c.family));
}

export function ipToBytes(ip: string): Buffer {
  const family = isIP(ip);
  if (family === 4) return Buffer.from(ip.split('.').map((part) => Number(part)));
  if (family === 6) return ipv6ToBytes(ip);
  throw new Error(`not an IP address: ${ip}`);
}

function ipv6ToBytes(ip: string): Buffer {
  // An embedded IPv4 tail (::ffff:10.0.0.1) is rewritten as two 16-bit hex groups first.
  const text = ip.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`,
  );
  const [head = '', rest] = text.split('::');
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const zeros = rest === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...new Array<number>(zeros).fill(0), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

export function bytesToIp(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  // RFC 5952: compress the longest run (two or more) of zero groups.
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

/**
 * The first usable address of a CIDR: Kubernetes gives it to the `kubernetes` service, so the
 * apiserver certificate must carry it. Dual-stack ranges ("a/16,b/108") use the first one.
 */
export function firstServiceIp(cidrs: string): string {
  const first = cidrs.split(',')[0]?.trim() ?? '';
  const cidr = parseCidr(first);
  if (!cidr) throw new Error(`not a CIDR: ${first}`);
  return nthAddress(cidr, 1);
}
