import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ContainerSpec } from '../../../src/components/container-spec.js';
import { execute } from '../../../src/executor/index.js';
import type { ClusterNode } from '../../../src/model/cluster.js';
import type { EtcdPlaneState } from '../../../src/model/etcd-plane.js';
import { parseList } from '../../../src/ops/etcd-snapshot-ops.js';
import { checkSnapshotName, defaultSnapshotName } from '../../../src/plan/etcd-snapshot-names.js';
import type { RestoreMember, SnapshotClusterOps, SnapshotFile } from '../../../src/plan/etcd-snapshot-ops.js';
import { planSnapshotRestore, type SnapshotRestoreInput } from '../../../src/plan/etcd-snapshot-restore.js';
import { planSnapshotSave } from '../../../src/plan/etcd-snapshot-save.js';

/**
 * Models each node's snapshot directory (file → bytes), its etcd data ("live" / "restored-<file>"
 * plus the kept copy) and whether etcd runs; records every call in order. `failOn` makes one
 * call throw, to check what a failure midway leaves behind.
 */
class FakeSnapshotOps implements SnapshotClusterOps {
  calls: string[] = [];
  files = new Map<string, Map<string, Buffer>>();
  data = new Map<string, { member: string; restoring?: string; kept?: string }>();
  running = new Set<string>();
  specs = new Map<string, ContainerSpec>();
  failOn: string | undefined;

  constructor(nodes: ClusterNode[]) {
    for (const n of nodes) {
      this.files.set(n.address, new Map());
      this.data.set(n.address, { member: 'live' });
      this.running.add(n.address);
    }
  }
  private call(what: string) {
    this.calls.push(what);
    if (this.failOn === what) throw new Error(`injected failure: ${what}`);
  }
  async snapshotSave(n: ClusterNode, name: string, state: string | undefined): Promise<SnapshotFile> {
    this.call(`save ${n.address}`);
    const bytes = Buffer.from(`db of ${n.address} + ${state ?? 'no state'}`);
    this.files.get(n.address)!.set(`${name}.tar.gz`, bytes);
    return { name, sizeBytes: bytes.length, createdAt: '2026-01-01T00:00:00.000Z', sha256: sha(bytes) };
  }
  async snapshotList(n: ClusterNode): Promise<SnapshotFile[]> {
    return [...this.files.get(n.address)!].map(([f, b]) => ({ name: f.replace(/\.tar\.gz$/, ''), sizeBytes: b.length, createdAt: '2026-01-01T00:00:00.000Z', sha256: sha(b) }));
  }
  async snapshotRead(n: ClusterNode, file: string) {
    this.call(`read ${n.address} ${file}`);
    return this.files.get(n.address)!.get(file)!;
  }
  async snapshotWrite(n: ClusterNode, file: string, archive: Buffer) {
    this.call(`write ${n.address} ${file}`);
    this.files.get(n.address)!.set(file, archive);
  }
  async snapshotRestore(n: ClusterNode, _image: string, file: string, m: RestoreMember) {
    this.call(`restore ${n.address}`);
    const bytes = this.files.get(n.address)!.get(file);
    if (!bytes) throw new Error(`${file} missing on ${n.address}`);
    this.data.get(n.address)!.restoring = `restored ${bytes.toString()} token ${m.clusterToken}`;
  }
  async etcdStop(n: ClusterNode) {
    this.call(`stop ${n.address}`);
    this.running.delete(n.address);
  }
  async dataSwap(n: ClusterNode) {
    this.call(`swap ${n.address}`);
    const d = this.data.get(n.address)!;
    if (d.restoring) Object.assign(d, { kept: d.member, member: d.restoring, restoring: undefined });
  }
  async restoreCleanup(n: ClusterNode) {
    this.call(`cleanup ${n.address}`);
    delete this.data.get(n.address)!.kept;
  }
  async ensureImage() {}
  async ensureContainer(n: ClusterNode, spec: ContainerSpec) {
    this.call(`start ${n.address}`);
    this.specs.set(n.address, spec);
    this.running.add(n.address);
    return 'replaced' as const;
  }
  async etcdWaitHealthy(nodes: ClusterNode[]) {
    this.call('healthy');
    const members = nodes.map((n) => this.data.get(n.address)!.member);
    if (new Set(members).size !== 1 || !nodes.every((n) => this.running.has(n.address))) throw new Error(`members disagree: ${members.join(' | ')}`);
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const node = (i: number): ClusterNode => ({
  address: `10.250.0.${10 + i}`, port: 22, user: 'root', sshAgentAuth: false, internalAddress: `10.250.0.${10 + i}`,
  hostname: `n${i}`, roles: ['etcd'], dockerSocket: '/var/run/docker.sock', labels: {}, taints: [],
});
const three = [node(1), node(2), node(3)];

async function restore(ops: FakeSnapshotOps, over: Partial<SnapshotRestoreInput> = {}) {
  const holdings = new Map<string, SnapshotFile>();
  for (const n of three) {
    const f = (await ops.snapshotList(n)).find((s) => s.name === 'snap');
    if (f) holdings.set(n.address, f);
  }
  const saved: EtcdPlaneState[] = [];
  const plan = planSnapshotRestore({
    name: 'snap', tag: 't1', clusterToken: 'fresh-token', etcdNodes: three, holdings, image: 'reg/etcd:v3.4.23',
    service: { extraArgs: {}, extraBinds: [], extraEnv: [] }, ops, saveState: async (p) => void saved.push(p), ...over,
  });
  const result = await execute({ tasks: plan.tasks }, { concurrency: 10, retry: { maxAttempts: 1 } });
  return { plan, result, saved };
}

describe('etcd snapshot-save plan', () => {
  it('saves on every etcd node at once, each archive with the state as stored', async () => {
    const ops = new FakeSnapshotOps(three);
    const plan = planSnapshotSave({ name: 'snap', etcdNodes: three, stateFile: 'ENCRYPTED-STATE', ops });
    const result = await execute({ tasks: plan.tasks });
    expect(result.ok).toBe(true);
    expect(ops.calls.sort()).toEqual(three.map((n) => `save ${n.address}`));
    expect([...plan.saved.keys()].sort()).toEqual(three.map((n) => n.address));
    expect(ops.files.get(three[0]!.address)!.get('snap.tar.gz')!.toString()).toContain('ENCRYPTED-STATE');
  });
});

describe('etcd snapshot-restore plan', () => {
  async function saved() {
    const ops = new FakeSnapshotOps(three);
    await execute({ tasks: planSnapshotSave({ name: 'snap', etcdNodes: three, stateFile: 's', ops }).tasks });
    ops.calls = [];
    return ops;
  }

  it('rebuilds every member from the same archive, even where a node has its own of that name', async () => {
    const ops = await saved();
    ops.files.get(three[2]!.address)!.delete('snap.tar.gz');
    const { result, plan, saved: states } = await restore(ops);
    expect(result.ok).toBe(true);
    expect(plan.source).toBe(three[0]);
    expect(ops.calls.filter((c) => c.startsWith('read'))).toEqual([`read 10.250.0.11 snap.tar.gz`]);
    // Node 2 held a different archive of that name: it gets a staged copy, its own is left alone.
    expect(ops.calls).toContain('write 10.250.0.12 .restore-t1.tar.gz');
    expect(ops.calls).toContain('write 10.250.0.13 snap.tar.gz');
    const members = three.map((n) => ops.data.get(n.address)!.member);
    expect(new Set(members).size).toBe(1);
    expect(members[0]).toBe('restored db of 10.250.0.11 + s token fresh-token');
    expect(states).toEqual([{ clusterToken: 'fresh-token', members: Object.fromEntries(three.map((n) => [n.address, { initialMembers: three.map((m) => m.address), initialState: 'new' }])) }]);
    for (const n of three) {
      expect(ops.data.get(n.address)!.kept).toBeUndefined();
      expect(ops.specs.get(n.address)!.args).toContain('--initial-cluster-token=fresh-token');
      expect(ops.specs.get(n.address)!.args).toContain('--initial-cluster-state=new');
    }
  });

  it('stops no member before every node restored, swaps none before all stopped, deletes old data only after the state is saved', async () => {
    const ops = await saved();
    await restore(ops);
    const last = (prefix: string) => Math.max(...ops.calls.map((c, i) => (c.startsWith(prefix) ? i : -1)));
    const first = (prefix: string) => ops.calls.findIndex((c) => c.startsWith(prefix));
    expect(last('restore')).toBeLessThan(first('stop'));
    expect(last('stop')).toBeLessThan(first('swap'));
    expect(last('swap')).toBeLessThan(first('start'));
    expect(last('start')).toBeLessThan(first('healthy'));
    expect(last('healthy')).toBeLessThan(first('cleanup'));
  });

  it('leaves etcd running and untouched when a restore fails', async () => {
    const ops = await saved();
    ops.failOn = 'restore 10.250.0.13';
    const { result, saved: states } = await restore(ops);
    expect(result.ok).toBe(false);
    expect(ops.calls.filter((c) => /^(stop|swap|start)/.test(c))).toEqual([]);
    expect(three.every((n) => ops.running.has(n.address) && ops.data.get(n.address)!.member === 'live')).toBe(true);
    expect(states).toEqual([]);
  });

  it('keeps the old data and records nothing when the swap fails on one node', async () => {
    const ops = await saved();
    ops.failOn = 'swap 10.250.0.12';
    const { result, saved: states } = await restore(ops);
    expect(result.ok).toBe(false);
    expect(states).toEqual([]);
    expect(ops.calls.filter((c) => /^(start|cleanup)/.test(c))).toEqual([]);
    for (const n of three.filter((m) => m.address !== '10.250.0.12')) expect(ops.data.get(n.address)!.kept).toBe('live');
  });
});

describe('snapshot names and listings', () => {
  it('default names are the cluster and a UTC timestamp', () => {
    expect(defaultSnapshotName('lab', new Date('2026-11-24T01:30:05.123Z'))).toBe('lab-20261124T013005Z');
    expect(checkSnapshotName(defaultSnapshotName('my cluster!', new Date()))).toMatch(/^my-cluster--\d{8}T\d{6}Z$/);
  });

  it('refuses names that could escape the snapshot directory or confuse the shell', () => {
    for (const bad of ['../x', 'a/b', '', '.hidden', 'x.tar.gz', "a'b", 'a b', '-rf']) expect(() => checkSnapshotName(bad)).toThrow(/invalid snapshot name/);
    expect(checkSnapshotName('nightly-2026.11.24_1')).toBe('nightly-2026.11.24_1');
  });

  it('parses the listing script output', () => {
    expect(parseList('a.tar.gz 120 1764000000 abc\nb.tar.gz 7 1764000001 -\n\ngarbage\n')).toEqual([
      { name: 'a', sizeBytes: 120, createdAt: new Date(1764000000 * 1000).toISOString(), sha256: 'abc' },
      { name: 'b', sizeBytes: 7, createdAt: new Date(1764000001 * 1000).toISOString(), sha256: undefined },
    ]);
  });
});
