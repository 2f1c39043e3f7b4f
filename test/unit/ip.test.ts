import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToIp, firstServiceIp, ipToBytes } from '../../src/util/ip.js';

describe('IP helpers for SANs', () => {
  it.each([
    ['10.43.0.0/16', '10.43.0.1'],
    ['10.43.7.9/16', '10.43.0.1'],
    ['10.96.0.0/12', '10.96.0.1'],
    ['172.20.255.0/24', '172.20.255.1'],
    ['fd00:10:96::/108', 'fd00:10:96::1'],
    ['10.43.0.0/16,fd00::/108', '10.43.0.1'],
  ])('first service IP of %s is %s', (cidr, ip) => {
    expect(firstServiceIp(cidr)).toBe(ip);
  });

  it('rejects what is not a CIDR', () => {
    expect(() => firstServiceIp('10.43.0.0')).toThrow(/not a CIDR/);
    expect(() => firstServiceIp('banana/16')).toThrow(/not a CIDR/);
  });

  it('encodes IPv4, IPv6 and IPv4-mapped IPv6 as SAN octets', () => {
    expect(ipToBytes('10.250.0.11').toString('hex')).toBe('0afa000b');
    expect(ipToBytes('::1').toString('hex')).toBe('00000000000000000000000000000001');
    expect(ipToBytes('fd00::a:1').toString('hex')).toBe('fd0000000000000000000000000a0001');
    expect(ipToBytes('::ffff:10.0.0.1').toString('hex')).toBe('00000000000000000000ffff0a000001');
  });

  it('round-trips any IPv6 address through its bytes', () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        const bytes = ipToBytes(ip);
        expect(ipToBytes(bytesToIp(bytes)).equals(bytes)).toBe(true);
      }),
    );
  });
});
