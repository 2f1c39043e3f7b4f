import { describe, expect, it } from 'vitest';
import { execute } from '../../../src/executor/index.js';
import { planEtcd, type EtcdPlanInput } from '../../../src/plan/etcd.js';
import type { ClusterOps } from '../../../src/plan/ops.js';
import { defaultClusterFeatures } from '../../../src/model/build.js';
import type { ClusterModel, ClusterNode } from '../../../src/model/cluster.js';
import type { ContainerSpec } from '../../../src/components/container-spec.js';

/** A ClusterOps that records calls in order and models container hashes and etcd membership. */
class RecordingOps implements ClusterOps {
  calls: string[] = [];
  containers = new Map<string, string>(); // address → spec hash
  members: { id: string; name: string; peerUrls: string[] }[] = [];
  unhealthy = new Set<string>();
  async filesDiff() { return []; }
  async writeFiles(n: ClusterNode) { this.calls.push(`files ${n.address}`); }
  async imageDiff() { return []; }
  async ensureImage(n: ClusterNode) { this.calls.push(`image ${n.address}`); }
  async containerDiff() { return []; }
  async ensureContainer(n: ClusterNode, spec: ContainerSpec) {
    const hash = spec.labels['io.drover.spec-hash']!;
    const before = this.containers.get(n.address);
    if (before === hash) return 'unchanged' as const;
    this.containers.set(n.address, hash);
    this.calls.push(`${before ? 'replace' : 'create'} ${n.address}`);
    return before ? ('replaced' as const) : ('created' as const);
  }
  async managedContainers() { return []; }
  async existingPaths() { return []; }
  async removeContainer(n: ClusterNode) { this.containers.delete(n.address); this.calls.push(`rm-container ${n.address}`); }
  async removePaths(n: ClusterNode) { this.calls.push(`rm-data ${n.address}`); }
  async etcdWaitHealthy(nodes: ClusterNode[]) {
    const sick = nodes.find((n) => this.unhealthy.has(n.address));
    if (sick) throw new Error(`etcd on ${sick.address} is not healthy`);
    this.calls.push(`healthy ${nodes.map((n) => n.address).join(',')}`);
  }
  async etcdMemberList() { return this.members; }
  async etcdMemberAdd(_via: ClusterNode, name: string, peerUrl: string) { this.members.push({ id: name, name, peerUrls: [peerUrl] }); this.calls.push(`member-add ${name}`); }
  async etcdMemberRemove(_via: ClusterNode, id: string) { this.members = this.members.filter((m) => m.id !== id); this.calls.push(`member-remove ${id}`); }
}

const node = (i: number): ClusterNode => ({
  address: `10.250.0.${10 + i}`, port: 22, user: 'root', sshAgentAuth: false, internalAddress: `10.250.0.${10 + i}`,
  hostname: `n${i}`, roles: ['etcd', 'controlplane', 'worker'], dockerSocket: '/var/run/docker.sock', labels: {}, taints: [],
});
const model = (nodes: ClusterNode[], etcdArgs: Record<string, string> = {}): ClusterModel => ({
  name: 'lab', configPath: '/tmp/cluster.yml', kubernetesVersion: 'v1.20.2', nodes, knownHostsPath: '/tmp/kh', sans: [],
  network: { plugin: 'vxlan', options: {}, serviceClusterIpRange: '10.43.0.0/16', serviceNodePortRange: '30000-32767', clusterCidr: '10.42.0.0/16', clusterDomain: 'cluster.local', clusterDnsServer: '10.43.0.10' },
  services: Object.fromEntries(['etcd', 'kube-api', 'kube-controller', 'scheduler', 'kubelet', 'kubeproxy'].map((s) => [s, { extraArgs: s === 'etcd' ? etcdArgs : {}, extraBinds: [], extraEnv: [] }])) as unknown as ClusterModel['services'],
  privateRegistries: [], systemImages: {}, ...defaultClusterFeatures(),
});

/** In `drover up` one task writes each node's files (plan/up.ts); here it is a stand-in. */
const filesTaskId = (n: ClusterNode) => `files@${n.address}`;

async function run(ops: RecordingOps, input: Omit<EtcdPlanInput, 'ops' | 'image' | 'filesTaskId'>) {
  const plan = planEtcd({ ...input, ops, image: 'reg/etcd:v3.4.23', filesTaskId });
  const nodes = [...input.model.nodes, ...(input.previous?.nodes ?? [])];
  const files = [...new Set(nodes.map(filesTaskId))].map((id) => ({ id, deps: [], title: id, fingerprint: id, run: async () => {} }));
  const result = await execute({ tasks: [...files, ...plan.tasks] }, { concurrency: 10, perHostConcurrency: 2 });
  return { plan, result };
}

describe('etcd plane plan', () => {
  const three = [node(1), node(2), node(3)];

  it('bootstraps a new cluster: every member created, then one health check of all', async () => {
    const ops = new RecordingOps();
    const { plan, result } = await run(ops, { model: model(three), previous: undefined });
    expect(result.ok).toBe(true);
    expect(ops.calls.filter((c) => c.startsWith('create')).sort()).toEqual(['create 10.250.0.11', 'create 10.250.0.12', 'create 10.250.0.13']);
    expect(ops.calls.at(-1)).toBe('healthy 10.250.0.11,10.250.0.12,10.250.0.13');
    expect(Object.values(plan.plane.members).every((m) => m.initialState === 'new' && m.initialMembers.length === 3)).toBe(true);
  });

  it('does nothing to containers when nothing changed', async () => {
    const ops = new RecordingOps();
    const first = await run(ops, { model: model(three), previous: undefined });
    ops.calls = [];
    await run(ops, { model: model(three), previous: { plane: first.plan.plane, nodes: three } });
    expect(ops.calls.filter((c) => /create|replace|member/.test(c))).toEqual([]);
  });

  it('restarts members one at a time when extra_args change, each healthy before the next', async () => {
    const ops = new RecordingOps();
    const first = await run(ops, { model: model(three), previous: undefined });
    ops.calls = [];
    await run(ops, { model: model(three, { 'quota-backend-bytes': '4294967296' }), previous: { plane: first.plan.plane, nodes: three } });
    const order = ops.calls.filter((c) => /^(replace|healthy 10.250.0.1\d$)/.test(c));
    expect(order).toEqual(['replace 10.250.0.11', 'healthy 10.250.0.11', 'replace 10.250.0.12', 'healthy 10.250.0.12', 'replace 10.250.0.13', 'healthy 10.250.0.13']);
  });

  it('adds a member: member add, then start as existing; the others are not restarted', async () => {
    const ops = new RecordingOps();
    const first = await run(ops, { model: model(three), previous: undefined });
    ops.calls = [];
    const four = [...three, node(4)];
    const { plan } = await run(ops, { model: model(four), previous: { plane: first.plan.plane, nodes: three } });
    const relevant = ops.calls.filter((c) => /create|replace|member/.test(c));
    expect(relevant).toEqual(['member-add etcd-n4', 'create 10.250.0.14']);
    expect(plan.plane.members['10.250.0.14']).toEqual({ initialState: 'existing', initialMembers: four.map((n) => n.address) });
  });

  it('removes a member first, then its container and data', async () => {
    const ops = new RecordingOps();
    const first = await run(ops, { model: model(three), previous: undefined });
    ops.members = three.map((n) => ({ id: `id-${n.hostname}`, name: `etcd-${n.hostname}`, peerUrls: [`https://${n.address}:2380`] }));
    ops.calls = [];
    await run(ops, { model: model(three.slice(0, 2)), previous: { plane: first.plan.plane, nodes: three } });
    const relevant = ops.calls.filter((c) => /member|rm-/.test(c));
    expect(relevant).toEqual(['member-remove id-n3', 'rm-container 10.250.0.13', 'rm-data 10.250.0.13']);
  });

  it('refuses to remove a member while the rest is unhealthy', async () => {
    const ops = new RecordingOps();
    const first = await run(ops, { model: model(three), previous: undefined });
    ops.unhealthy.add('10.250.0.12');
    ops.calls = [];
    const { result } = await run(ops, { model: model(three.slice(0, 2)), previous: { plane: first.plan.plane, nodes: three } });
    expect(result.ok).toBe(false);
    expect(ops.calls.some((c) => c.startsWith('member-remove') || c.startsWith('rm-'))).toBe(false);
  });

  it('refuses to replace every etcd node in one run', () => {
    expect(() => planEtcd({ model: model([node(7)]), previous: { plane: { clusterToken: 't', members: {} }, nodes: three }, ops: new RecordingOps(), image: 'x', filesTaskId })).toThrow(/cannot replace every etcd node/);
  });
});
