import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { reconcilePki } from '../../../src/pki/index.js';
import { chooseRotation, withoutCerts } from '../../../src/pki/rotate.js';
import { testModel, testNode } from './model.js';

const model = testModel([testNode('10.0.0.1', ['etcd', 'controlplane', 'worker']), testNode('10.0.0.2', ['worker'])]);
const issue = { keyType: 'ecdsa' as const, now: () => new Date('2026-11-24T00:00:00Z'), randomSerial: () => randomBytes(16) };
const { pki } = reconcilePki(undefined, model, issue);

describe('drover cert rotate: which certificates', () => {
  it('all services: every leaf certificate, the admin included; never a CA', () => {
    const { names } = chooseRotation(pki);
    expect(names).toContain('kube-apiserver');
    expect(names).toContain('kube-admin');
    expect(names).toContain('kube-etcd-10-0-0-1');
    expect(names).toContain('kube-node-10-0-0-2');
    for (const ca of ['kube-ca', 'kube-etcd-ca', 'kube-apiserver-requestheader-ca']) expect(names).not.toContain(ca);
    expect(names).toHaveLength(Object.keys(pki.certs).length - 3);
  });

  it('one service: only its certificates', () => {
    expect(chooseRotation(pki, 'etcd').names).toEqual(['kube-etcd-10-0-0-1', 'kube-etcd-peer-10-0-0-1']);
    expect(chooseRotation(pki, 'kube-proxy').names).toEqual(['kube-proxy']);
    expect(chooseRotation(pki, 'kubelet').names).toEqual(['kube-kubelet-10-0-0-1', 'kube-kubelet-10-0-0-2', 'kube-node-10-0-0-1', 'kube-node-10-0-0-2']);
    expect(() => chooseRotation(pki, 'kube-dns')).toThrow(/--service kube-dns is not a service/);
  });

  it('imported certificates are left alone and named', () => {
    const imported = { ...pki, certs: { ...pki.certs, 'kube-apiserver': { ...pki.certs['kube-apiserver']!, custom: true } } };
    const choice = chooseRotation(imported, 'kube-apiserver');
    expect(choice.custom).toEqual(['kube-apiserver']);
    expect(choice.names).not.toContain('kube-apiserver');
  });

  it('the chosen ones get new keys and certificates from the same CAs; everything else stays byte for byte', () => {
    const { names } = chooseRotation(pki, 'etcd');
    const { pki: next, issued } = reconcilePki(withoutCerts(pki, names), model, issue);
    expect(issued.sort()).toEqual(names);
    for (const name of names) {
      expect(next.certs[name]!.keyPem).not.toBe(pki.certs[name]!.keyPem);
      expect(next.certs[name]!.certPem).not.toBe(pki.certs[name]!.certPem);
    }
    for (const name of Object.keys(pki.certs).filter((n) => !names.includes(n))) expect(next.certs[name]).toEqual(pki.certs[name]);
    expect(next.serviceAccount).toEqual(pki.serviceAccount);
  });
});
