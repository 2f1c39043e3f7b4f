import { createHash } from 'node:crypto';
import { etcdMemberName, etcdPeerUrl, etcdSpec } from '../components/etcd.js';
import type { Task } from '../executor/task.js';
import type { ClusterNode, ServiceOptions } from '../model/cluster.js';
import type { EtcdPlaneState } from '../model/etcd-plane.js';
import { archiveFile, archivePath, keptDataDir, restoringDir, stagedArchiveFile } from './etcd-snapshot-names.js';
import type { RestoreMember, SnapshotClusterOps, SnapshotFile } from './etcd-snapshot-ops.js';
import { withFileInputs } from './file-inputs.js';
import type { RemoteFile } from './ops.js';

/**
 * `drover etcd snapshot-restore` as tasks. Every member is rebuilt from the SAME archive (one
 * node's, copied to the others): members restored from different files would agree on cluster
 * and member ids yet hold different data. Order, chosen so a failure leaves a usable cluster:
 *   copy → restore into a new directory (etcd still running, live data untouched)
 *   → only when every node restored: stop all members → swap data (old data kept) → start all
 *     with a fresh token as a new cluster → healthy → state saved → old data deleted.
 */
export interface SnapshotRestoreInput {
  name: string;
  /** Unique per run: names the restore's directories, so runs never mix. */
  tag: string;
  /** Fresh: members of the old cluster must never talk to the restored one. */
  clusterToken: string;
  etcdNodes: ClusterNode[];
  /** What each etcd node holds under that name (from snapshot-list), by address. */
  holdings: Map<string, SnapshotFile>;
  image: string;
  service: ServiceOptions;
  /** The files `drover up` writes on each node: the restored members carry the same file hash label. */
  filesOf?: (node: ClusterNode) => readonly RemoteFile[];
  ops: SnapshotClusterOps;
  /** Called once the restored cluster is healthy, before the old data goes. */
  saveState: (plane: EtcdPlaneState) => Promise<void>;
  healthTimeoutMs?: number;
}

export interface SnapshotRestorePlan {
  tasks: Task[];
  source: ClusterNode;
  plane: EtcdPlaneState;
  /** Id of the first task that changes a running member: failures after it need the recovery hint. */
  firstDisruptiveTaskIds: string[];
}

const fp = (...parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);

export function planSnapshotRestore(input: SnapshotRestoreInput): SnapshotRestorePlan {
  const { ops, etcdNodes: nodes, tag, clusterToken } = input;
  const source = nodes.find((n) => input.holdings.get(n.address)?.sha256) ?? nodes.find((n) => input.holdings.has(n.address));
  if (!source) throw new Error('planSnapshotRestore: no etcd node holds the snapshot (the action checks this first)');
  const sourceFile = input.holdings.get(source.address)!;
  const initialCluster = nodes.map((n) => `${etcdMemberName(n)}=${etcdPeerUrl(n)}`).join(',');
  const plane: EtcdPlaneState = {
    clusterToken,
    members: Object.fromEntries(nodes.map((n) => [n.address, { initialMembers: nodes.map((m) => m.address), initialState: 'new' as const }])),
  };

  // The source's bytes are read once, however many nodes need a copy.
  let sourceBytes: Promise<Buffer> | undefined;
  const readSource = () => (sourceBytes ??= input.ops.snapshotRead(source, archiveFile(input.name)));

  const tasks: Task[] = [];
  const restoreIds: string[] = [];
  for (const node of nodes) {
    const held = input.holdings.get(node.address);
    const same = node === source || (held?.sha256 !== undefined && held.sha256 === sourceFile.sha256);
    const file = same || !held ? archiveFile(input.name) : stagedArchiveFile(tag);
    const deps: string[] = [];
    if (!same) {
      const copy: Task = {
        id: `etcd-restore/copy@${node.address}`,
        host: node.address,
        deps: [],
        title: `copy snapshot ${input.name} from ${source.address} to ${node.address}`,
        fingerprint: fp(tag, source.address, file),
        estimate: 2,
        run: async () => ops.snapshotWrite(node, file, await readSource()),
        describe: async () => [{ action: 'create', subject: archivePath(file) }],
      };
      tasks.push(copy);
      deps.push(copy.id);
    }
    const member: RestoreMember = { memberName: etcdMemberName(node), peerUrl: etcdPeerUrl(node), initialCluster, clusterToken };
    const restore: Task = {
      id: `etcd-restore/restore@${node.address}`,
      host: node.address,
      deps,
      title: `restore ${input.name} into ${restoringDir(tag)} on ${node.address}`,
      fingerprint: fp(tag, file, member),
      estimate: 3,
      run: async () => {
        await ops.ensureImage(node, input.image);
        await ops.snapshotRestore(node, input.image, file, member, tag);
      },
      describe: async () => [{ action: 'create', subject: restoringDir(tag) }],
    };
    tasks.push(restore);
    restoreIds.push(restore.id);
  }

  const stopIds = nodes.map((n) => `etcd-restore/stop@${n.address}`);
  const swapIds = nodes.map((n) => `etcd-restore/swap@${n.address}`);
  const startIds = nodes.map((n) => `etcd-restore/start@${n.address}`);
  nodes.forEach((node, i) => {
    const spec = withFileInputs(
      etcdSpec({ node, initialMembers: nodes, initialState: 'new', clusterToken, image: input.image, service: input.service }),
      input.filesOf?.(node) ?? [],
    );
    tasks.push(
      {
        id: stopIds[i]!,
        host: node.address,
        deps: restoreIds,
        title: `stop etcd on ${node.address}`,
        fingerprint: fp(tag, node.address),
        run: () => ops.etcdStop(node),
        describe: async () => [{ action: 'run', subject: 'stop container etcd' }],
      },
      {
        id: swapIds[i]!,
        host: node.address,
        deps: stopIds,
        title: `swap in the restored data on ${node.address} (old data kept in ${keptDataDir(tag)})`,
        fingerprint: fp(tag, node.address),
        run: () => ops.dataSwap(node, input.image, tag),
        describe: async () => [{ action: 'replace', subject: 'etcd data (/var/lib/etcd/member)' }],
      },
      {
        id: startIds[i]!,
        host: node.address,
        deps: swapIds,
        title: `start etcd on ${node.address} as a member of the restored cluster`,
        fingerprint: fp(tag, spec),
        estimate: 3,
        run: async () => void (await ops.ensureContainer(node, spec)),
        describe: async () => [{ action: 'replace', subject: 'container etcd' }],
      },
    );
  });
  const healthy: Task = {
    id: 'etcd-restore/healthy',
    deps: startIds,
    title: `wait until all ${nodes.length} restored etcd members are healthy`,
    fingerprint: fp(tag, clusterToken),
    run: (ctx) => ops.etcdWaitHealthy(nodes, { timeoutMs: input.healthTimeoutMs ?? 120_000, signal: ctx.signal }),
  };
  const state: Task = {
    id: 'etcd-restore/state',
    deps: [healthy.id],
    title: 'record the restored etcd cluster in the state',
    fingerprint: fp(tag, plane),
    run: () => input.saveState(plane),
  };
  tasks.push(healthy, state);
  for (const node of nodes) {
    tasks.push({
      id: `etcd-restore/cleanup@${node.address}`,
      host: node.address,
      deps: [state.id],
      title: `delete the pre-restore data on ${node.address}`,
      fingerprint: fp(tag, node.address),
      run: () => ops.restoreCleanup(node, input.image, tag),
      describe: async () => [{ action: 'delete', subject: keptDataDir(tag) }],
    });
  }
  return { tasks, source, plane, firstDisruptiveTaskIds: swapIds };
}
