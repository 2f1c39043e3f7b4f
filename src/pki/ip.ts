import { isIP } from 'node:net';

/**
 * IP address helpers for certificate SANs. node:net only validates; the byte form that X.509
 * wants (4 or 16 octets) and the "first address of a CIDR" arithmetic are ours.
 */
export const isIpAddress = (value: string): boolean => isIP(value) !== 0;

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
  const [base = '', prefixText] = first.split('/');
  if (!isIpAddress(base) || prefixText === undefined) throw new Error(`not a CIDR: ${first}`);
  const bytes = ipToBytes(base);
  const prefix = Number(prefixText);
  // Clear the host bits, then add one.
  for (let bit = prefix; bit < bytes.length * 8; bit++) {
    const index = Math.floor(bit / 8);
    bytes[index] = (bytes[index] ?? 0) & ~(0x80 >> bit % 8);
  }
  for (let i = bytes.length - 1; i >= 0; i--) {
    const next = ((bytes[i] ?? 0) + 1) & 0xff;
    bytes[i] = next;
    if (next !== 0) break;
  }
  return bytesToIp(bytes);
}
