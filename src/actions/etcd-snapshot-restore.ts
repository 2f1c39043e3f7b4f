import { randomBytes } from 'node:crypto';
import { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import { DroverError } from '../errors.js';
import type { ExecutorEvent } from '../executor/events.js';
import { checkSnapshotName, recoveryHint } from '../plan/etcd-snapshot-names.js';
import type { SnapshotFile } from '../plan/etcd-snapshot-ops.js';
import { planSnapshotRestore } from '../plan/etcd-snapshot-restore.js';
import { nodeFiles } from '../plan/up.js';
import { listEverywhere, openSnapshotContext, runTasks } from './etcd-snapshot-common.js';

export interface SnapshotRestoreOptions {
  config: string;
  name: string;
  forceUnlock?: boolean;
}

/**
 * `drover etcd snapshot-restore --name N`: rebuilds the etcd cluster from one archive with a fresh
 * cluster token. Refuses (exit 2, nothing touched) when no etcd node holds the snapshot.
 */
export async function snapshotRestore(opts: SnapshotRestoreOptions, io: IoHost): Promise<ExitCode> {
  const name = checkSnapshotName(opts.name);
  const ctx = await openSnapshotContext(opts, io, 'etcd snapshot-restore', false);
  try {
    const previous = ctx.session.previous;
    if (!previous?.appliedConfig || !previous.pki) {
      throw new DroverError(`there is no state for this cluster (${ctx.session.store.path}): drover has not built it`, {
        exitCode: ExitCode.InvalidInput,
        hint: 'run `drover up` first (or `drover util get-state` to recover a lost state); restore needs the certificates on the nodes',
      });
    }
    const holdings = new Map<string, SnapshotFile>();
    for (const [address, files] of await listEverywhere(ctx)) {
      const file = files.find((f) => f.name === name);
      if (file) holdings.set(address, file);
    }
    if (holdings.size === 0) {
      throw new DroverError(`no etcd node holds a snapshot named ${name}`, {
        exitCode: ExitCode.InvalidInput,
        hint: '`drover etcd snapshot-list` shows the snapshots there are',
      });
    }
    const { schemaVersion: _v, generation: _g, savedAt: _s, ...kept } = previous;
    const pki = previous.pki;
    const tag = `${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
    const plan = planSnapshotRestore({
      name,
      tag,
      clusterToken: `drover-restore-${randomBytes(8).toString('hex')}`,
      etcdNodes: ctx.etcdNodes,
      holdings,
      image: ctx.image,
      service: ctx.model.services.etcd,
      filesOf: (node) => nodeFiles(ctx.model, pki, node, previous.kubeSecrets),
      ops: ctx.snapshots,
      saveState: async (plane) => void (await ctx.session.store.save({ ...kept, etcd: plane })),
    });
    if (!io.quiet && io.output !== 'json') io.stderr.write(`restoring ${name} from ${plan.source.address} onto ${ctx.etcdNodes.length} etcd node(s)\n`);

    const done = new Set<string>();
    const track = (e: ExecutorEvent) => void (e.type === 'task-done' && done.add(e.id));
    const result = await runTasks(ctx, io, plan.tasks, track);
    if (!result.ok) {
      const swapped = ctx.etcdNodes.filter((n) => done.has(`etcd-restore/swap@${n.address}`)).map((n) => n.address);
      const stopped = ctx.etcdNodes.some((n) => done.has(`etcd-restore/stop@${n.address}`));
      if (done.has('etcd-restore/state')) {
        io.stderr.write(`the restored cluster is healthy and recorded; only deleting the old data failed (${'/var/lib/etcd/.before-restore-' + tag}), delete it by hand\n`);
      } else if (swapped.length > 0) {
        io.stderr.write(`restore failed after the data was swapped: ${recoveryHint(tag, swapped)}\n`);
      } else {
        io.stderr.write(`restore failed before any data was swapped: the etcd data is as it was${stopped ? '; members were stopped: `drover up` starts them again' : ' and etcd kept running'}\n`);
      }
    }
    return result.exitCode;
  } finally {
    await ctx.session.close();
  }
}

