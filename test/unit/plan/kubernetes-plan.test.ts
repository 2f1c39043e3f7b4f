import { describe, expect, it } from 'vitest';
import { execute } from '../../../src/executor/index.js';
import type { ContainerSpec } from '../../../src/components/container-spec.js';
import type { ClusterModel, ClusterNode } from '../../../src/model/cluster.js';
import { planUp } from '../../../src/plan/up.js';
import type { ClusterOps } from '../../../src/plan/ops.js';
import type { KubePlaneOps, NodeMeta } from '../../../src/plan/kube-plane-ops.js';
import type { NetworkOps } from '../../../src/plan/network-ops.js';
import { reconcilePki, type Pki } from '../../../src/pki/index.js';
import { testModel, testNode } from '../pki/model.js';
import type { EtcdPlaneState } from '../../../src/model/etcd-plane.js';

/** Fakes that record every call in order: the plan's order is what these tests check. */
class Recorder implements ClusterOps, KubePlaneOps, NetworkOps {
  calls: string[] = [];
  containers = new Map<string, string>();
  /** The PKI as the state keeps it between runs (each run reconciles it, as drover up does). */
  pki: Pki | undefined;
  private rec = (s: string) => void this.calls.push(s);
  async filesDiff() { return []; }
  async writeFiles(n: ClusterNode) { this.rec(`files ${n.hostname}`); }
  async imageDiff() { return []; }
  async ensureImage(n: ClusterNode, image: string) { this.rec(`image ${n.hostname} ${image}`); }
  async containerDiff() { return []; }
  async ensureContainer(n: ClusterNode, spec: ContainerSpec) {
    const key = `${n.hostname}/${spec.name}`;
    const hash = spec.labels['io.drover.spec-hash']!;
    if (this.containers.get(key) === hash) return 'unchanged' as const;
    const had = this.containers.has(key);
    this.containers.set(key, hash);
    this.rec(`${had ? 'replace' : 'start'} ${key}`);
    return had ? ('replaced' as const) : ('created' as const);
  }
  async managedContainers(n: ClusterNode) { return [...this.containers.keys()].filter((k) => k.startsWith(`${n.hostname}/`)).map((k) => k.split('/')[1]!); }
  async existingPaths() { return []; }
  async removeContainer(n: ClusterNode, name: string) { this.containers.delete(`${n.hostname}/${name}`); this.rec(`remove ${n.hostname}/${name}`); }
  async removePaths(n: ClusterNode) { this.rec(`wipe ${n.hostname}`); }
  async etcdWaitHealthy() {}
  async etcdMemberList() { return []; }
  async etcdMemberAdd() {}
  async etcdMemberRemove() {}
  async waitComponentHealthy(n: ClusterNode, c: string) { this.rec(`healthy ${n.hostname}/${c}`); }
  metas = new Map<string, NodeMeta>();
  async waitNodeReady(n: ClusterNode, meta: NodeMeta, opts: { registeredOnly?: boolean }) {
    this.metas.set(n.hostname, meta);
    this.rec(`${opts.registeredOnly ? 'registered' : 'ready'} ${n.hostname}`);
  }
  async nodeMetaDiff() { return []; }
  async drainAndDeleteNode(n: ClusterNode) { this.rec(`drain ${n.hostname}`); }
  async cleanKubeletLeftovers(n: ClusterNode) { this.rec(`kubelet-leftovers ${n.hostname}`); }
  async vxlanDiff() { return []; }
  async ensureVxlan(n: ClusterNode) { this.rec(`vxlan ${n.hostname}`); return 'changed' as const; }
  async removeVxlan(n: ClusterNode) { this.rec(`vxlan-remove ${n.hostname}`); }
}

const lab = (nodes: ClusterNode[]): ClusterModel => testModel(nodes, { kubernetesVersion: 'v1.20.2', network: { ...testModel([]).network, plugin: 'vxlan' } });
const allRoles = (i: number) => testNode(`10.250.0.${10 + i}`, ['etcd', 'controlplane', 'worker'], { hostname: `n${i}` });
const worker = (i: number) => testNode(`10.250.0.${10 + i}`, ['worker'], { hostname: `n${i}` });
const cpEtcd = (i: number) => testNode(`10.250.0.${10 + i}`, ['etcd', 'controlplane'], { hostname: `n${i}` });

function plan(model: ClusterModel, rec: Recorder, previous?: { nodes: ClusterNode[]; podSubnets?: Record<string, string>; etcd?: EtcdPlaneState }) {
  const { pki } = reconcilePki(rec.pki, model, { keyType: 'ecdsa', now: () => new Date('2026-11-24T00:00:00Z'), randomSerial: () => Buffer.alloc(16, 1) });
  rec.pki = pki;
  return planUp({
    model,
    pki,
    previous: previous ? { nodes: previous.nodes, etcd: previous.etcd ?? { clusterToken: 't', members: {} }, ...(previous.podSubnets ? { podSubnets: previous.podSubnets } : {}) } : undefined,
    previousKubeNodes: previous?.nodes,
    secrets: {},
    ops: rec,
    kube: rec,
    network: rec,
  });
}

async function run(model: ClusterModel, rec: Recorder, previous?: Parameters<typeof plan>[2]) {
  const p = plan(model, rec, previous);
  const result = await execute({ tasks: p.tasks }, { concurrency: 30, perHostConcurrency: 4 });
  expect(result.ok, JSON.stringify(result.failed ?? result)).toBe(true);
  return p;
}

const before = (calls: string[], a: string, b: string) => {
  expect(calls, `${a} happened`).toContain(a);
  expect(calls, `${b} happened`).toContain(b);
  expect(calls.indexOf(a), `${a} before ${b}`).toBeLessThan(calls.indexOf(b));
};

describe('the Kubernetes plane of drover up', () => {
  it('1 control plane + 2 workers: apiserver, then controllers; nginx-proxy and kubelet on workers; each node Ready', async () => {
    const rec = new Recorder();
    const model = lab([cpEtcd(1), worker(2), worker(3)]);
    const p = await run(model, rec);
    before(rec.calls, 'start n1/kube-apiserver', 'healthy n1/kube-apiserver');
    before(rec.calls, 'healthy n1/kube-apiserver', 'start n1/kube-controller-manager');
    before(rec.calls, 'healthy n1/kube-apiserver', 'start n2/kubelet');
    before(rec.calls, 'start n2/nginx-proxy', 'start n2/kubelet');
    before(rec.calls, 'vxlan n2', 'ready n2');
    expect(rec.calls).not.toContain('start n2/kube-apiserver');
    expect(rec.calls).not.toContain('start n1/nginx-proxy');
    for (const n of ['n1', 'n2', 'n3']) expect(rec.calls).toContain(`ready ${n}`);
    // Pod subnets are drover's (vxlan), so nodes get them as podCIDR and the controller-manager does not allocate.
    expect(Object.keys(p.podSubnets ?? {})).toHaveLength(3);
    expect(rec.metas.get('n2')?.podCidr).toBe(p.podSubnets?.['10.250.0.12']);
    expect(rec.metas.get('n1')?.taints.map((t) => t.key)).toEqual(['node-role.kubernetes.io/controlplane', 'node-role.kubernetes.io/etcd']);
    expect(rec.metas.get('n2')?.labels['node-role.kubernetes.io/worker']).toBe('true');
  });

  it('a re-run with nothing changed starts no container', async () => {
    const rec = new Recorder();
    const model = lab([allRoles(1), allRoles(2), allRoles(3)]);
    const first = await run(model, rec);
    rec.calls = [];
    await run(model, rec, { nodes: model.nodes, ...(first.podSubnets ? { podSubnets: first.podSubnets } : {}), etcd: first.etcd });
    expect(rec.calls.filter((c) => c.startsWith('start') || c.startsWith('replace'))).toEqual([]);
  });

  it('changed apiserver args on existing control planes roll one node at a time', async () => {
    const rec = new Recorder();
    const model = lab([allRoles(1), allRoles(2), allRoles(3)]);
    const first = await run(model, rec);
    rec.calls = [];
    const changed = { ...model, services: { ...model.services, 'kube-api': { ...model.services['kube-api'], extraArgs: { 'audit-log-maxage': '3' } } } };
    await run(changed, rec, { nodes: model.nodes, ...(first.podSubnets ? { podSubnets: first.podSubnets } : {}), etcd: first.etcd });
    before(rec.calls, 'healthy n1/kube-apiserver', 'replace n2/kube-apiserver');
    before(rec.calls, 'healthy n2/kube-apiserver', 'replace n3/kube-apiserver');
  });

  it('a re-issued apiserver certificate (a new SAN) replaces only kube-apiserver, one control plane at a time', async () => {
    const rec = new Recorder();
    const model = lab([allRoles(1), allRoles(2), allRoles(3)]);
    const first = await run(model, rec);
    rec.calls = [];
    const withSan = { ...model, sans: ['api.example.test'] };
    await run(withSan, rec, { nodes: model.nodes, ...(first.podSubnets ? { podSubnets: first.podSubnets } : {}), etcd: first.etcd });
    const restarted = rec.calls.filter((c) => c.startsWith('start') || c.startsWith('replace'));
    expect(restarted.sort()).toEqual(['replace n1/kube-apiserver', 'replace n2/kube-apiserver', 'replace n3/kube-apiserver']);
    before(rec.calls, 'healthy n1/kube-apiserver', 'replace n2/kube-apiserver');
    before(rec.calls, 'healthy n2/kube-apiserver', 'replace n3/kube-apiserver');
  });

  it('adding a worker keeps the others subnets and touches only the new node and the overlay peers', async () => {
    const rec = new Recorder();
    const model = lab([cpEtcd(1), worker(2)]);
    const first = await run(model, rec);
    rec.calls = [];
    const grown = lab([cpEtcd(1), worker(2), worker(3)]);
    const second = await run(grown, rec, { nodes: model.nodes, ...(first.podSubnets ? { podSubnets: first.podSubnets } : {}), etcd: first.etcd });
    expect(second.podSubnets?.['10.250.0.12']).toBe(first.podSubnets?.['10.250.0.12']);
    const started = rec.calls.filter((c) => c.startsWith('start') || c.startsWith('replace'));
    expect(started.every((c) => c.includes(' n3/'))).toBe(true);
    expect(started).toContain('start n3/kubelet');
  });

  it('removing a worker drains it, removes its overlay, then wipes it; nobody else restarts', async () => {
    const rec = new Recorder();
    const model = lab([cpEtcd(1), worker(2), worker(3)]);
    const first = await run(model, rec);
    rec.calls = [];
    await run(lab([cpEtcd(1), worker(2)]), rec, { nodes: model.nodes, ...(first.podSubnets ? { podSubnets: first.podSubnets } : {}), etcd: first.etcd });
    before(rec.calls, 'drain n3', 'vxlan-remove n3');
    before(rec.calls, 'vxlan-remove n3', 'wipe n3');
    before(rec.calls, 'kubelet-leftovers n3', 'wipe n3');
    expect(rec.calls.filter((c) => c.startsWith('start') || c.startsWith('replace'))).toEqual([]);
  });

  it('a node losing its control plane role loses those containers only', async () => {
    const rec = new Recorder();
    const model = lab([allRoles(1), allRoles(2)]);
    const first = await run(model, rec);
    rec.calls = [];
    const demoted = lab([allRoles(1), testNode('10.250.0.12', ['etcd', 'worker'], { hostname: 'n2' })]);
    await run(demoted, rec, { nodes: model.nodes, ...(first.podSubnets ? { podSubnets: first.podSubnets } : {}), etcd: first.etcd });
    expect(rec.calls).toContain('remove n2/kube-apiserver');
    expect(rec.calls).toContain('start n2/nginx-proxy');
    expect(rec.calls).not.toContain('remove n2/kubelet');
  });

  it('with network plugin none drover waits for registration only, and runs no overlay', async () => {
    const rec = new Recorder();
    const model = testModel([cpEtcd(1), worker(2)], { kubernetesVersion: 'v1.20.2', network: { ...testModel([]).network, plugin: 'none' } });
    const p = await run(model, rec);
    expect(rec.calls).toContain('registered n2');
    expect(rec.calls.some((c) => c.startsWith('vxlan'))).toBe(false);
    expect(p.podSubnets).toBeUndefined();
  });

  it('no private key or registry password reaches any container argument or environment', () => {
    const rec = new Recorder();
    const model = { ...lab([allRoles(1), worker(2)]), privateRegistries: [{ url: 'reg:5000', user: 'u', password: 'sekret-pw', isDefault: false }] };
    const p = plan(model, rec);
    const specs: string[] = [];
    for (const t of p.tasks) if (t.id.includes('/start@')) specs.push(t.title);
    const { pki } = reconcilePki(undefined, model, { keyType: 'ecdsa', now: () => new Date(), randomSerial: () => Buffer.alloc(16, 2) });
    void pki;
    // Run the start tasks against a recorder that keeps the specs.
    const seen: ContainerSpec[] = [];
    const spy = Object.assign(new Recorder(), { ensureContainer: async (_n: ClusterNode, s: ContainerSpec) => (seen.push(s), 'created' as const) });
    const p2 = planUp({ model, pki: reconcilePki(undefined, model, { keyType: 'ecdsa', now: () => new Date(), randomSerial: () => Buffer.alloc(16, 3) }).pki, previous: undefined, secrets: {}, ops: spy, kube: spy, network: spy });
    return execute({ tasks: p2.tasks }, { concurrency: 30, perHostConcurrency: 4 }).then(() => {
      expect(seen.length).toBeGreaterThan(6);
      for (const s of seen) {
        const text = JSON.stringify([s.args, s.env]);
        expect(text).not.toContain('PRIVATE KEY');
        expect(text).not.toContain('sekret-pw');
      }
    });
  });
});
