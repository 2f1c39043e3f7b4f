import { describe, expect, it } from 'vitest';
import { execute, type TaskChange } from '../../../src/executor/index.js';
import type { ClusterNode } from '../../../src/model/cluster.js';
import { CNI_CONFIG_PATH } from '../../../src/network/cni-config.js';
import { assignPodSubnets } from '../../../src/network/pod-subnets.js';
import type { VxlanNodeConfig } from '../../../src/network/vxlan-config.js';
import { stepChanges, vxlanSteps } from '../../../src/network/vxlan-converge.js';
import type { VxlanObserved } from '../../../src/network/vxlan-observed.js';
import type { NetworkOps } from '../../../src/plan/network-ops.js';
import { planVxlan, planVxlanRemoval } from '../../../src/plan/network-vxlan.js';
import type { RemoteFile } from '../../../src/plan/ops.js';
import { applySteps, freshNode, network, nodes } from './helpers.js';

/** NetworkOps over the in-memory kernel model of helpers.ts: nodes' overlay state and files. */
class KernelModelOps implements NetworkOps {
  state = new Map<string, VxlanObserved>();
  files = new Map<string, string>();
  changed: string[] = [];
  private of(node: ClusterNode) {
    return this.state.get(node.address) ?? freshNode();
  }
  async vxlanDiff(node: ClusterNode, cfg: VxlanNodeConfig): Promise<TaskChange[]> {
    return stepChanges(vxlanSteps(cfg, this.of(node)));
  }
  async ensureVxlan(node: ClusterNode, cfg: VxlanNodeConfig) {
    const steps = vxlanSteps(cfg, this.of(node));
    if (steps.length === 0) return 'unchanged' as const;
    this.state.set(node.address, applySteps(this.of(node), steps));
    this.changed.push(node.address);
    return 'changed' as const;
  }
  async removeVxlan(node: ClusterNode) {
    this.state.delete(node.address);
  }
  async filesDiff(node: ClusterNode, files: RemoteFile[]): Promise<TaskChange[]> {
    return files.filter((f) => this.files.get(`${node.address}:${f.path}`) !== f.content).map((f) => ({ action: 'create', subject: f.path }));
  }
  async writeFiles(node: ClusterNode, files: RemoteFile[]) {
    for (const f of files) this.files.set(`${node.address}:${f.path}`, f.content);
  }
}

const modelOf = (list: ClusterNode[]) => ({ network: network(), nodes: list });

describe('planVxlan', () => {
  it('two tasks per node, the CNI config after the overlay, after the given deps', () => {
    const list = nodes(3);
    const tasks = planVxlan({ model: modelOf(list), subnets: assignPodSubnets('10.42.0.0/16', list), ops: new KernelModelOps(), after: (n) => [`preflight@${n.address}`] });
    expect(tasks.map((t) => [t.id, t.host, t.deps])).toEqual(
      list.flatMap((n) => [
        [`network/vxlan@${n.address}`, n.address, [`preflight@${n.address}`]],
        [`network/cni-config@${n.address}`, n.address, [`network/vxlan@${n.address}`]],
      ]),
    );
  });

  it('runs on three nodes, a re-run changes nothing, dropping a node changes only its peers, and the fingerprints follow the peers', async () => {
    const ops = new KernelModelOps();
    const list = nodes(3);
    const subnets = assignPodSubnets('10.42.0.0/16', list);
    const first = planVxlan({ model: modelOf(list), subnets, ops });
    expect((await execute({ tasks: first })).ok).toBe(true);
    expect(ops.changed.sort()).toEqual(list.map((n) => n.address).sort());
    expect(JSON.parse(ops.files.get(`${list[1]!.address}:${CNI_CONFIG_PATH}`)!).plugins[0].ipam.ranges[0][0].subnet).toBe('10.42.1.0/24');

    ops.changed = [];
    const again = planVxlan({ model: modelOf(list), subnets, ops });
    expect(again.map((t) => t.fingerprint)).toEqual(first.map((t) => t.fingerprint));
    const dry = await execute({ tasks: again }, { dryRun: true });
    expect(dry.plan.flatMap((p) => p.changes)).toEqual([]);
    expect((await execute({ tasks: again })).ok).toBe(true);
    expect(ops.changed).toEqual([]);

    const two = list.slice(0, 2);
    const smaller = planVxlan({ model: modelOf(two), subnets: assignPodSubnets('10.42.0.0/16', two, subnets), previousNodes: list, ops });
    expect(smaller[0]!.title).toMatch(/1 peer, dropping 10\.250\.0\.13/);
    const plan = await execute({ tasks: smaller }, { dryRun: true });
    expect(plan.plan.find((p) => p.id === `network/vxlan@${list[0]!.address}`)?.changes).toEqual([{ action: 'delete', subject: 'overlay peer 10.250.0.13: 10.42.2.0/24' }]);
    expect(plan.plan.find((p) => p.id === `network/cni-config@${list[0]!.address}`)?.changes).toEqual([]);
    expect((await execute({ tasks: smaller })).ok).toBe(true);
    expect(ops.changed.sort()).toEqual(two.map((n) => n.address).sort());
    expect(ops.state.get(list[0]!.address)!.routes.map((r) => r.dst)).toEqual(['10.42.1.0/24']);
  });

  it('removal tasks undo the overlay on the nodes given', async () => {
    const ops = new KernelModelOps();
    const list = nodes(2);
    await execute({ tasks: planVxlan({ model: modelOf(list), subnets: assignPodSubnets('10.42.0.0/16', list), ops }) });
    const removal = planVxlanRemoval([list[1]!], ops, () => ['remove/containers@x']);
    expect(removal.map((t) => [t.id, t.deps])).toEqual([[`network/vxlan-clean@${list[1]!.address}`, ['remove/containers@x']]]);
    await removal[0]!.run({} as never);
    expect([...ops.state.keys()]).toEqual([list[0]!.address]);
  });
});
