import { createHash } from 'node:crypto';
import type { Task } from '../executor/task.js';
import type { ClusterNode } from '../model/cluster.js';
import { archiveFile, archivePath } from './etcd-snapshot-names.js';
import type { EtcdSnapshotOps, SnapshotFile } from './etcd-snapshot-ops.js';

/**
 * `drover etcd snapshot-save` as tasks: every etcd node saves its own member's snapshot at once
 * (as RKE does), each archive carrying the cluster state as stored. What each node wrote is
 * collected in `saved` for the action's summary.
 */
export interface SnapshotSaveInput {
  name: string;
  etcdNodes: ClusterNode[];
  /** The state file's text as stored (still encrypted when encryption is on); undefined without one. */
  stateFile: string | undefined;
  ops: EtcdSnapshotOps;
}

export interface SnapshotSavePlan {
  tasks: Task[];
  saved: Map<string, SnapshotFile>;
}

export function planSnapshotSave(input: SnapshotSaveInput): SnapshotSavePlan {
  const saved = new Map<string, SnapshotFile>();
  const stateHash = createHash('sha256').update(input.stateFile ?? '').digest('hex');
  const tasks: Task[] = input.etcdNodes.map((node) => ({
    id: `etcd-snapshot/save@${node.address}`,
    host: node.address,
    deps: [],
    title: `save etcd snapshot ${input.name} on ${node.address}`,
    fingerprint: createHash('sha256').update(JSON.stringify([input.name, node.address, stateHash])).digest('hex').slice(0, 16),
    estimate: 3,
    run: async (ctx) => {
      const file = await input.ops.snapshotSave(node, input.name, input.stateFile);
      saved.set(node.address, file);
      ctx.log(`${archivePath(archiveFile(input.name))}: ${file.sizeBytes} bytes, sha256 ${file.sha256 ?? '?'}`);
    },
    describe: async () => [{ action: 'create', subject: archivePath(archiveFile(input.name)) }],
  }));
  return { tasks, saved };
}
