import { KubeContainer, KubePort } from '../components/kube-common.js';
import { DroverError } from '../errors.js';
import type { TaskChange } from '../executor/task.js';
import { adminKubeOps, adminTls } from '../kube/ops.js';
import type { ClusterModel, ClusterNode } from '../model/cluster.js';
import type { Pki } from '../pki/index.js';
import type { KubeOps } from '../plan/kube-ops.js';
import type { ControlPlaneComponent, KubePlaneOps, NodeMeta } from '../plan/kube-plane-ops.js';
import type { NodeTransport } from '../transport/session.js';
import { openTlsSocket } from '../transport/tls-over-ssh.js';
import { lastLines } from './etcdctl.js';
import { probeHealthz } from './kube-health.js';
import { cleanKubeletLeftovers } from './kubelet-leftovers.js';
import { metaPatch, metaChanges, nodeReadiness } from './kube-node-state.js';
import { sleep } from '../util/sleep.js';

const PORTS: Record<ControlPlaneComponent, number> = {
  'kube-apiserver': KubePort.apiServer,
  'kube-controller-manager': KubePort.controllerManager,
  'kube-scheduler': KubePort.scheduler,
};

/**
 * KubePlaneOps over the real nodes: health endpoints through each node's SSH connection, and the
 * Kubernetes API through a forwarded connection to a control-plane node's apiserver, with the
 * admin certificate from the PKI. One API client per run, opened on first use.
 */
export class SshKubePlaneOps implements KubePlaneOps {
  private ops: (KubeOps & { close(): void }) | undefined;

  constructor(
    private readonly transport: NodeTransport,
    private readonly model: ClusterModel,
    private readonly pki: Pki,
  ) {}

  /** The API as the admin, through the control planes' apiservers (each listens on 6443). */
  kubeOps(): KubeOps {
    if (this.ops) return this.ops;
    const cps = this.model.nodes.filter((n) => n.roles.includes('controlplane'));
    let next = 0;
    // Round robin over the control planes: one that is down costs a retry, not the run.
    this.ops = adminKubeOps((tls) => {
      const node = cps[next++ % cps.length]!;
      return openTlsSocket(this.transport.pool, node, { host: '127.0.0.1', port: KubePort.apiServer, servername: 'localhost', ...tls });
    }, this.pki);
    return this.ops;
  }

  close(): void {
    this.ops?.close();
  }

  async waitComponentHealthy(node: ClusterNode, component: ControlPlaneComponent, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
    const started = Date.now();
    const deadline = started + opts.timeoutMs;
    const tls = component === 'kube-apiserver' ? adminTls(this.pki) : undefined;
    let detail = '';
    for (let probe = 1; !opts.signal?.aborted; probe++) {
      const r = await probeHealthz(this.transport.pool, node, { port: PORTS[component], ...(tls ? { tls } : {}), timeoutMs: 5000 });
      if (r.ok) return;
      detail = r.detail;
      if (Date.now() > deadline) break;
      // A container that keeps exiting will not get healthy by waiting: say so now, not at the timeout.
      if (probe % 10 === 0 && (await this.crashLooping(node, component))) {
        detail = `${detail}; the container keeps exiting`;
        break;
      }
      await sleep(500, opts.signal);
    }
    throw new DroverError(`${component} on ${node.address} is not healthy after ${Math.round((Date.now() - started) / 1000)} s: ${detail}\n${await this.logTail(node, component)}`, {
      hint: `\`docker logs ${component}\` on ${node.address} shows more`,
    });
  }

  private async crashLooping(node: ClusterNode, container: string): Promise<boolean> {
    const info = await this.transport.docker(node).inspectContainer(container).catch(() => undefined);
    return info !== undefined && info.restartCount >= 3;
  }

  private async logTail(node: ClusterNode, container: string): Promise<string> {
    const logs = await this.transport.docker(node).containerLogs(container, { tail: 12 }).catch(() => ({ stdout: '', stderr: '' }));
    const text = lastLines(logs.stderr + logs.stdout, 12);
    return text ? `  last log lines of ${container}:\n    ${text.split('\n').join('\n    ')}` : `  (no log lines from ${container})`;
  }

  async waitNodeReady(node: ClusterNode, meta: NodeMeta, opts: { timeoutMs: number; signal?: AbortSignal; registeredOnly?: boolean }): Promise<void> {
    const api = this.kubeOps();
    const deadline = Date.now() + opts.timeoutMs;
    let patched = false;
    let state = 'not registered';
    while (!opts.signal?.aborted) {
      const current = await api.getNode(node.hostname);
      if (current && !patched) {
        const patch = metaPatch(current, meta);
        if (patch) await api.patchNode(node.hostname, patch);
        patched = true;
        continue;
      }
      state = current ? nodeReadiness(current) : 'not registered';
      if (state === 'Ready' || (current && opts.registeredOnly)) return;
      if (Date.now() > deadline) break;
      await sleep(1000, opts.signal);
    }
    throw new DroverError(`node ${node.hostname} (${node.address}) is not Ready after ${Math.round(opts.timeoutMs / 1000)} s: ${state}\n${await this.logTail(node, KubeContainer.kubelet)}`, {
      hint: `\`docker logs kubelet\` on ${node.address} shows more; \`kubectl describe node ${node.hostname}\` shows its conditions`,
    });
  }

  async nodeMetaDiff(node: ClusterNode, meta: NodeMeta): Promise<TaskChange[]> {
    // Before the first run there is no API to ask: the kubelet will register the node.
    const current = await this.kubeOps()
      .getNode(node.hostname)
      .catch(() => undefined);
    if (!current) return [{ action: 'create', subject: `node ${node.hostname} (registered by its kubelet), labels and taints` }];
    return metaChanges(current, meta, node.hostname);
  }

  /** The node is leaving and will be wiped: pods no controller owns are deleted too (they would be lost anyway). */
  async drainAndDeleteNode(node: ClusterNode, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
    await this.kubeOps().cordonAndDrain(node.hostname, { ...opts, force: true });
    await this.kubeOps().deleteNode(node.hostname);
  }

  cleanKubeletLeftovers(node: ClusterNode): Promise<void> {
    return cleanKubeletLeftovers(this.transport, node);
  }
}
