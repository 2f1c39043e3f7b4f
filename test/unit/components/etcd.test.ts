import { describe, expect, it } from 'vitest';
import { etcdSpec, type EtcdSpecInput } from '../../../src/components/etcd.js';
import { SPEC_HASH_LABEL, MANAGED_LABEL, specHash } from '../../../src/components/container-spec.js';
import type { ClusterNode } from '../../../src/model/cluster.js';

const node = (n: number): ClusterNode => ({
  address: `10.250.0.${10 + n}`,
  port: 22,
  user: 'root',
  sshAgentAuth: false,
  internalAddress: `10.250.0.${10 + n}`,
  hostname: `node-${n}`,
  roles: ['etcd'],
  dockerSocket: '/var/run/docker.sock',
  labels: {},
  taints: [],
});
const nodes = [node(1), node(2), node(3)];
const input = (over: Partial<EtcdSpecInput> = {}): EtcdSpecInput => ({
  node: nodes[0]!,
  initialMembers: nodes,
  initialState: 'new',
  clusterToken: 'token-1',
  image: 'registry.lab/etcd:v3.4.23',
  service: { extraArgs: {}, extraBinds: [], extraEnv: [] },
  ...over,
});

describe('etcd container spec', () => {
  it('is laid out as RKE users expect', () => {
    const spec = etcdSpec(input());
    expect(spec.name).toBe('etcd');
    expect(spec.networkMode).toBe('host');
    expect(spec.binds).toContain('/etc/kubernetes:/etc/kubernetes:z');
    expect(spec.binds).toContain('/opt/drover/etcd-snapshots:/opt/drover/etcd-snapshots:z');
    expect(spec.args).toContain('--initial-cluster=etcd-node-1=https://10.250.0.11:2380,etcd-node-2=https://10.250.0.12:2380,etcd-node-3=https://10.250.0.13:2380');
    expect(spec.args).toContain('--cert-file=/etc/kubernetes/ssl/kube-etcd-10-250-0-11.pem');
    expect(spec.env).toEqual(expect.arrayContaining(['ETCDCTL_API=3', 'ETCDCTL_ENDPOINTS=https://127.0.0.1:2379', 'ETCDCTL_KEY=/etc/kubernetes/ssl/kube-etcd-10-250-0-11-key.pem']));
    expect(spec.labels[MANAGED_LABEL]).toBe('true');
  });

  it('carries paths to keys, never key material', () => {
    const text = JSON.stringify(etcdSpec(input()));
    expect(text).not.toMatch(/BEGIN|PRIVATE/);
  });

  it('has sorted args and a hash that only changes with its inputs', () => {
    const a = etcdSpec(input());
    expect([...a.args].sort()).toEqual(a.args);
    expect(etcdSpec(input()).labels[SPEC_HASH_LABEL]).toBe(a.labels[SPEC_HASH_LABEL]);
    expect(specHash(a)).toBe(a.labels[SPEC_HASH_LABEL]);
    const changed = etcdSpec(input({ service: { extraArgs: { 'quota-backend-bytes': '8589934592' }, extraBinds: [], extraEnv: [] } }));
    expect(changed.labels[SPEC_HASH_LABEL]).not.toBe(a.labels[SPEC_HASH_LABEL]);
    expect(changed.args).toContain('--quota-backend-bytes=8589934592');
  });

  it('lets extra_args override drover defaults', () => {
    const spec = etcdSpec(input({ service: { extraArgs: { 'election-timeout': '1000' }, extraBinds: [], extraEnv: [] } }));
    expect(spec.args.filter((a) => a.startsWith('--election-timeout'))).toEqual(['--election-timeout=1000']);
  });
});
