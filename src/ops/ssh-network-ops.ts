import { DroverError } from '../errors.js';
import type { TaskChange } from '../executor/task.js';
import type { ClusterNode } from '../model/cluster.js';
import type { VxlanNodeConfig } from '../network/vxlan-config.js';
import { stepChanges, stepsScript, vxlanSteps, type VxlanStep } from '../network/vxlan-converge.js';
import { parseVxlanObserved, vxlanReadScript } from '../network/vxlan-observed.js';
import { removalChanges, vxlanRemovalReadScript, vxlanRemoveScript } from '../network/vxlan-remove.js';
import type { NetworkOps } from '../plan/network-ops.js';
import type { RemoteFile } from '../plan/ops.js';
import type { Host } from '../transport/host.js';
import { lastLines } from './etcdctl.js';
import { filesDiff, writeFiles } from './remote-files.js';

/**
 * NetworkOps over SSH with iproute2 and iptables on the node, no daemon: one command reads the
 * device, fdb, neighbours, routes, rules and sysctls; the diff is computed here
 * (src/network/vxlan-converge.ts); one script applies it. Runs as root (sudo when needed).
 */
export class SshNetworkOps implements NetworkOps {
  constructor(private readonly transport: { host(node: ClusterNode): Host }) {}

  private async steps(node: ClusterNode, cfg: VxlanNodeConfig): Promise<VxlanStep[]> {
    const host = this.transport.host(node);
    const r = await host.exec(vxlanReadScript(cfg.device), { sudo: true });
    if (r.code !== 0) {
      throw new DroverError(`cannot read the network setup of ${node.address} (exit ${r.code}): ${lastLines(r.stderr, 3)}`, {
        hint: 'the vxlan network needs iproute2 (ip, bridge) and iptables on every node',
      });
    }
    try {
      return vxlanSteps(cfg, parseVxlanObserved(r.stdout));
    } catch (err) {
      throw new DroverError(`cannot read the network setup of ${node.address}: ${(err as Error).message}`, {
        hint: 'the vxlan network needs iproute2 with JSON output (`ip -j`, iproute2 4.14 or newer) and iptables',
        cause: err,
      });
    }
  }

  async vxlanDiff(node: ClusterNode, cfg: VxlanNodeConfig): Promise<TaskChange[]> {
    return stepChanges(await this.steps(node, cfg));
  }

  /** Apply, then read again: done only when nothing is left (a second pass covers an entry that changed meanwhile). */
  async ensureVxlan(node: ClusterNode, cfg: VxlanNodeConfig): Promise<'unchanged' | 'changed'> {
    let steps = await this.steps(node, cfg);
    if (steps.length === 0) return 'unchanged';
    let stderr = '';
    for (let pass = 0; pass < 2 && steps.length > 0; pass++) {
      const r = await this.transport.host(node).exec(stepsScript(steps), { sudo: true });
      stderr = r.stderr;
      steps = await this.steps(node, cfg);
    }
    if (steps.length === 0) return 'changed';
    throw new DroverError(`setting up the vxlan overlay on ${node.address} failed: ${lastLines(stderr, 5) || 'the changes did not stick'}`, {
      hint: `still to do: ${stepChanges(steps).map((c) => `${c.action} ${c.subject}`).slice(0, 5).join('; ')}`,
    });
  }

  async removeVxlan(node: ClusterNode): Promise<void> {
    const r = await this.transport.host(node).exec(vxlanRemoveScript(), { sudo: true });
    if (r.code !== 0) throw new DroverError(`removing the vxlan overlay on ${node.address} failed (exit ${r.code}): ${lastLines(r.stderr, 5)}`);
  }

  async vxlanRemovalDiff(node: ClusterNode): Promise<TaskChange[]> {
    const r = await this.transport.host(node).exec(vxlanRemovalReadScript(), { sudo: true });
    if (r.code !== 0) throw new DroverError(`cannot read the network setup of ${node.address} (exit ${r.code}): ${lastLines(r.stderr, 3)}`);
    return removalChanges(r.stdout);
  }

  filesDiff(node: ClusterNode, files: RemoteFile[]): Promise<TaskChange[]> {
    return filesDiff(this.transport.host(node), files);
  }

  writeFiles(node: ClusterNode, files: RemoteFile[]): Promise<void> {
    return writeFiles(this.transport.host(node), files);
  }
}
