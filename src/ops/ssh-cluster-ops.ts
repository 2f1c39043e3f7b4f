import { DEFAULT_STOP_GRACE_SECONDS, MANAGED_LABEL, type ContainerSpec } from '../components/container-spec.js';
import { ETCD_CONTAINER } from '../components/etcd.js';
import { DroverError } from '../errors.js';
import type { TaskChange } from '../executor/task.js';
import type { ClusterModel, ClusterNode } from '../model/cluster.js';
import type { ClusterOps, EtcdMember, RemoteFile } from '../plan/ops.js';
import type { NodeTransport } from '../transport/session.js';
import { shellQuote } from '../transport/shell.js';
import { containerDiff, ensureContainer } from './ensure-container.js';
import { lastLines, memberAdd, memberHealthy, memberList, memberRemove, type EtcdClientTls, type EtcdHealthRoute } from './etcdctl.js';
import { registryAuthFor } from './registry-auth.js';
import { filesDiff, writeFiles } from './remote-files.js';
import { sleep } from '../util/sleep.js';

/** ClusterOps over the real nodes: SSH for files and commands, each node's Docker API for containers. */
export class SshClusterOps implements ClusterOps {
  constructor(
    private readonly transport: NodeTransport,
    private readonly model: Pick<ClusterModel, 'privateRegistries'>,
    /** With drover's etcd client certificate, health is a GET /health over SSH instead of an exec. */
    private readonly etcdTls?: EtcdClientTls,
  ) {}

  private healthRoute(node: ClusterNode): EtcdHealthRoute | undefined {
    return this.etcdTls ? { pool: this.transport.pool, node, tls: this.etcdTls } : undefined;
  }

  filesDiff(node: ClusterNode, files: RemoteFile[]): Promise<TaskChange[]> {
    return filesDiff(this.transport.host(node), files);
  }
  writeFiles(node: ClusterNode, files: RemoteFile[]): Promise<void> {
    return writeFiles(this.transport.host(node), files);
  }
  async imageDiff(node: ClusterNode, image: string): Promise<TaskChange[]> {
    return (await this.transport.docker(node).imageExists(image)) ? [] : [{ action: 'create', subject: `image ${image}` }];
  }
  async ensureImage(node: ClusterNode, image: string): Promise<void> {
    const docker = this.transport.docker(node);
    if (!(await docker.imageExists(image))) await docker.pullImage(image, registryAuthFor(this.model, image));
  }
  containerDiff(node: ClusterNode, spec: ContainerSpec): Promise<TaskChange[]> {
    return containerDiff(this.transport.docker(node), spec);
  }
  ensureContainer(node: ClusterNode, spec: ContainerSpec) {
    return ensureContainer(this.transport.docker(node), spec);
  }
  async managedContainers(node: ClusterNode): Promise<string[]> {
    const all = await this.transport.docker(node).listContainers({ all: true });
    return all.filter((c) => c.labels[MANAGED_LABEL] === 'true').map((c) => c.name);
  }
  async existingPaths(node: ClusterNode, paths: string[]): Promise<string[]> {
    if (paths.length === 0) return [];
    // An empty mount point is how the node was found (see removePaths): it does not count.
    const script = `for p in ${paths.map(shellQuote).join(' ')}; do if mountpoint -q "$p" 2>/dev/null; then [ -n "$(ls -A "$p")" ] && echo "$p"; elif [ -e "$p" ]; then echo "$p"; fi; done; true`;
    const r = await this.transport.host(node).exec(script, { sudo: true });
    return r.stdout.split('\n').filter((p) => paths.includes(p));
  }
  async removeContainer(node: ClusterNode, name: string): Promise<void> {
    const docker = this.transport.docker(node);
    await docker.stopContainer(name, { timeoutSeconds: DEFAULT_STOP_GRACE_SECONDS });
    await docker.removeContainer(name, { force: true });
  }
  async removePaths(node: ClusterNode, paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    // A mount point (a bind on the node) is emptied, not removed: the mount stays as it was found.
    const script = `for p in ${paths.map(shellQuote).join(' ')}; do if mountpoint -q "$p" 2>/dev/null; then find "$p" -mindepth 1 -delete; else rm -rf -- "$p"; fi || exit 1; done`;
    const r = await this.transport.host(node).exec(script, { sudo: true });
    if (r.code !== 0) throw new DroverError(`cannot remove ${paths.join(', ')} on ${node.address}: ${lastLines(r.stderr, 3)}`);
  }

  async etcdWaitHealthy(members: ClusterNode[], opts: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
    const deadline = Date.now() + opts.timeoutMs;
    let last = new Map<string, string>();
    for (;;) {
      const results = await Promise.all(members.map(async (n) => [n, await memberHealthy(this.transport.docker(n), this.healthRoute(n))] as const));
      const sick = results.filter(([, r]) => !r.healthy);
      if (sick.length === 0) return;
      last = new Map(sick.map(([n, r]) => [n.address, r.detail]));
      if (Date.now() > deadline || opts.signal?.aborted) break;
      await sleep(1000, opts.signal);
    }
    const details: string[] = [];
    for (const [address, detail] of last) {
      const node = members.find((n) => n.address === address)!;
      const logs = await this.transport.docker(node).containerLogs(ETCD_CONTAINER, { tail: 10 }).catch(() => ({ stdout: '', stderr: '' }));
      details.push(`${address}: ${detail}\n    last log lines:\n      ${lastLines(logs.stderr + logs.stdout, 10).split('\n').join('\n      ')}`);
    }
    throw new DroverError(`etcd did not become healthy within ${Math.round(opts.timeoutMs / 1000)} s on ${[...last.keys()].join(', ')}\n  ${details.join('\n  ')}`, {
      hint: 'check the log lines above; `docker logs etcd` on the node shows more',
    });
  }
  etcdMemberList(via: ClusterNode): Promise<EtcdMember[]> {
    return memberList(this.transport.docker(via));
  }
  etcdMemberAdd(via: ClusterNode, name: string, peerUrl: string): Promise<void> {
    return memberAdd(this.transport.docker(via), name, peerUrl);
  }
  etcdMemberRemove(via: ClusterNode, memberId: string): Promise<void> {
    return memberRemove(this.transport.docker(via), memberId);
  }
}
