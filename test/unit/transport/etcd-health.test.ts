import { describe, expect, it } from 'vitest';
import { etcdClientTls, parseEtcdHealth } from '../../../src/ops/etcdctl.js';

// etcd's health answer as read over TLS through SSH (src/ops/etcdctl.ts; kept beside the transport
// tests because it is the first user of src/transport/tls-over-ssh.ts).
describe('etcd /health answers', () => {
  it('healthy only on 200 with health "true" (etcd 3.4 and 3.5 shapes)', () => {
    expect(parseEtcdHealth(200, '{"health":"true"}')).toEqual({ healthy: true, detail: 'healthy' });
    expect(parseEtcdHealth(200, '{"health":"true","reason":""}').healthy).toBe(true);
    expect(parseEtcdHealth(200, '{"health":"false"}').healthy).toBe(false);
    expect(parseEtcdHealth(200, 'ok').healthy).toBe(false);
  });
  it('an unhealthy answer says why: etcd\'s reason, else the body', () => {
    expect(parseEtcdHealth(503, '{"health":"false","reason":"RAFT NO LEADER"}')).toEqual({ healthy: false, detail: 'GET /health answered 503: RAFT NO LEADER' });
    expect(parseEtcdHealth(503, '{"health":"false"}\n')).toEqual({ healthy: false, detail: 'GET /health answered 503: {"health":"false"}' });
  });
});

describe('etcd client TLS from the PKI', () => {
  const cert = (name: string, keyPem?: string) => ({ name, certPem: `${name}-cert`, specHash: 'h', ...(keyPem ? { keyPem } : {}) });
  it('is the etcd CA and the apiserver\'s etcd client certificate', () => {
    const certs = { 'kube-etcd-ca': cert('kube-etcd-ca', 'ca-key'), 'kube-apiserver-etcd-client': cert('kube-apiserver-etcd-client', 'client-key') };
    expect(etcdClientTls({ certs })).toEqual({ ca: 'kube-etcd-ca-cert', cert: 'kube-apiserver-etcd-client-cert', key: 'client-key' });
  });
  it('is absent when the PKI lacks the client key (callers fall back to etcdctl in the container)', () => {
    expect(etcdClientTls({ certs: { 'kube-etcd-ca': cert('kube-etcd-ca'), 'kube-apiserver-etcd-client': cert('kube-apiserver-etcd-client') } })).toBeUndefined();
    expect(etcdClientTls({ certs: {} })).toBeUndefined();
  });
});
