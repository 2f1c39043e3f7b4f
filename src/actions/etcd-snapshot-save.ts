import { readFile } from 'node:fs/promises';
import { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import { DroverError } from '../errors.js';
import { checkSnapshotName, defaultSnapshotName } from '../plan/etcd-snapshot-names.js';
import { planSnapshotSave } from '../plan/etcd-snapshot-save.js';
import { formatBytes, listEverywhere, openSnapshotContext, runTasks } from './etcd-snapshot-common.js';

export interface SnapshotSaveOptions {
  config: string;
  name?: string;
  forceUnlock?: boolean;
}

/** `drover etcd snapshot-save [--name N]`: a snapshot on every etcd node, each archive with the state. */
export async function snapshotSave(opts: SnapshotSaveOptions, io: IoHost, now: Date = new Date()): Promise<ExitCode> {
  if (opts.name !== undefined) checkSnapshotName(opts.name);
  const ctx = await openSnapshotContext(opts, io, 'etcd snapshot-save', false);
  try {
    const name = opts.name ?? defaultSnapshotName(ctx.model.name, now);
    const holders = [...(await listEverywhere(ctx))].filter(([, files]) => files.some((f) => f.name === name)).map(([a]) => a);
    if (holders.length > 0) {
      throw new DroverError(`a snapshot named ${name} already exists on ${holders.join(', ')}`, {
        exitCode: ExitCode.InvalidInput,
        hint: 'choose another --name (snapshots are never overwritten)',
      });
    }
    // As stored: still encrypted when state encryption is on, so the archive leaks nothing the file does not.
    const stateFile = await readFile(ctx.session.store.path, 'utf8').catch(() => undefined);
    const plan = planSnapshotSave({ name, etcdNodes: ctx.etcdNodes, stateFile, ops: ctx.snapshots });
    const result = await runTasks(ctx, io, plan.tasks);
    if (!result.ok) return result.exitCode;
    if (io.output === 'json') {
      io.stdout.write(JSON.stringify({ type: 'etcd-snapshot-saved', name, nodes: Object.fromEntries(plan.saved), withState: stateFile !== undefined }) + '\n');
    } else if (!io.quiet) {
      const sizes = [...plan.saved.values()].map((f) => f.sizeBytes);
      io.stdout.write(`snapshot ${name} saved on ${plan.saved.size} etcd node(s) (${formatBytes(Math.max(...sizes))}${stateFile ? ', with the cluster state' : ''})\n`);
    }
    return ExitCode.Ok;
  } finally {
    await ctx.session.close();
  }
}
