import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DroverError } from '../../../src/errors.js';
import { assignPodSubnets, nodeCidrMask } from '../../../src/network/pod-subnets.js';
import { cidrContains, parseCidr } from '../../../src/util/ip.js';

const at = (...addresses: string[]) => addresses.map((address) => ({ address }));

describe('assignPodSubnets', () => {
  it('gives new nodes the lowest free /24s in cluster.yml order', () => {
    expect(assignPodSubnets('10.42.0.0/16', at('a', 'b', 'c'))).toEqual({ a: '10.42.0.0/24', b: '10.42.1.0/24', c: '10.42.2.0/24' });
  });

  it('keeps every subnet a node had, frees those of removed nodes and reuses them', () => {
    const first = assignPodSubnets('10.42.0.0/16', at('a', 'b', 'c'));
    const withoutB = assignPodSubnets('10.42.0.0/16', at('a', 'c'), first);
    expect(withoutB).toEqual({ a: '10.42.0.0/24', c: '10.42.2.0/24' });
    // A node listed first in cluster.yml does not take an existing node's subnet.
    const withD = assignPodSubnets('10.42.0.0/16', at('d', 'a', 'c'), withoutB);
    expect(withD).toEqual({ d: '10.42.1.0/24', a: '10.42.0.0/24', c: '10.42.2.0/24' });
  });

  it('re-assigns a recorded subnet that no longer fits the range or the mask', () => {
    const previous = { a: '10.99.0.0/24', b: '10.42.5.0/25', c: '10.42.7.0/24' };
    expect(assignPodSubnets('10.42.0.0/16', at('a', 'b', 'c'), previous)).toEqual({ a: '10.42.0.0/24', b: '10.42.1.0/24', c: '10.42.7.0/24' });
  });

  it('never gives two nodes the same subnet, even from a damaged record', () => {
    expect(assignPodSubnets('10.42.0.0/16', at('a', 'b'), { a: '10.42.3.0/24', b: '10.42.3.0/24' })).toEqual({ a: '10.42.3.0/24', b: '10.42.0.0/24' });
  });

  it('says clearly when cluster_cidr is exhausted', () => {
    expect(assignPodSubnets('10.42.0.0/23', at('a', 'b'))).toEqual({ a: '10.42.0.0/24', b: '10.42.1.0/24' });
    const err = (() => {
      try {
        assignPodSubnets('10.42.0.0/23', at('a', 'b', 'c'));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(DroverError);
    expect((err as DroverError).message).toMatch(/room for 2 node subnets of \/24, but 3 nodes/);
    expect((err as DroverError).hint).toMatch(/larger cluster_cidr/);
    expect((err as DroverError).exitCode).toBe(2);
  });

  it('uses the mask option and the IPv4 half of a dual-stack range; refuses IPv6 alone', () => {
    expect(assignPodSubnets('10.42.0.0/16,fd00::/56', at('a', 'b'), {}, { mask: 26 })).toEqual({ a: '10.42.0.0/26', b: '10.42.0.64/26' });
    expect(() => assignPodSubnets('fd00::/56', at('a'))).toThrow(/IPv4 cluster_cidr/);
    expect(() => assignPodSubnets('10.42.0.0/16', at('a'), {}, { mask: 12 })).toThrow(/do not fit/);
  });

  it('reads vxlan_node_cidr_mask from network.options', () => {
    expect(nodeCidrMask({})).toBe(24);
    expect(nodeCidrMask({ vxlan_node_cidr_mask: '25' })).toBe(25);
    expect(() => nodeCidrMask({ vxlan_node_cidr_mask: '31' })).toThrow(/from 8 to 30/);
    expect(() => nodeCidrMask({ vxlan_node_cidr_mask: 'big' })).toThrow(DroverError);
  });

  it('property: over any series of membership changes, staying nodes keep their subnets and subnets stay distinct and inside the range', () => {
    const pool = Array.from({ length: 40 }, (_, i) => `n${i}`);
    fc.assert(
      fc.property(fc.array(fc.subarray(pool, { maxLength: 30 }), { minLength: 1, maxLength: 8 }), (rounds) => {
        let previous: Record<string, string> = {};
        const range = parseCidr('10.42.0.0/19')!;
        for (const members of rounds) {
          const next = assignPodSubnets('10.42.0.0/19', at(...members), previous);
          expect(Object.keys(next).sort()).toEqual([...members].sort());
          for (const m of members) if (previous[m]) expect(next[m]).toBe(previous[m]);
          expect(new Set(Object.values(next)).size).toBe(members.length);
          for (const s of Object.values(next)) expect(cidrContains(range, s.split('/')[0]!)).toBe(true);
          previous = next;
        }
      }),
    );
  });
});
