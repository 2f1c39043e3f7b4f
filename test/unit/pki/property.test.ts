import { X509Certificate, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Role } from '../../../src/model/cluster.js';
import { certSpecsFor, reconcilePki } from '../../../src/pki/index.js';
import { testModel, testNode } from './model.js';

const opts = { keyType: 'ecdsa' as const, now: () => new Date('2026-01-01T00:00:00Z'), randomSerial: () => randomBytes(16) };
const roleSets = fc.subarray<Role>(['etcd', 'controlplane', 'worker'], { minLength: 1 });
const nodesArb = (offset: number, max: number) =>
  fc.array(roleSets, { minLength: 1, maxLength: max }).map((sets) => sets.map((roles, i) => testNode(`10.1.${offset}.${i + 1}`, roles)));

describe('PKI properties', () => {
  it('for any cluster every leaf verifies against its CA, and growing it re-issues only what the new nodes touch', () => {
    fc.assert(
      fc.property(nodesArb(0, 5), nodesArb(1, 3), (before, added) => {
        const small = testModel(before);
        const first = reconcilePki(undefined, small, opts).pki;
        for (const spec of certSpecsFor(small)) {
          if (!spec.issuer) continue;
          const leaf = new X509Certificate(first.certs[spec.name]!.certPem);
          expect(leaf.verify(new X509Certificate(first.certs[spec.issuer]!.certPem).publicKey)).toBe(true);
        }
        const grown = reconcilePki(first, testModel([...before, ...added]), opts);
        const addedCp = added.some((n) => n.roles.includes('controlplane'));
        for (const [name, entry] of Object.entries(first.certs)) {
          if (name === 'kube-apiserver' && addedCp) expect(grown.pki.certs[name]!.certPem).not.toBe(entry.certPem);
          else expect(grown.pki.certs[name], name).toBe(entry);
        }
        expect(grown.issued.every((n) => n === 'kube-apiserver' || added.some((a) => n.endsWith(a.address.replace(/\./g, '-'))))).toBe(true);
      }),
      { numRuns: 12 },
    );
  });
});
