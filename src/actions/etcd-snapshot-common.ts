import { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import { formatProblem, loadClusterModel } from '../config/index.js';
import { DroverError } from '../errors.js';
import { Cancellation, installSignalHandlers, type ExecuteResult } from '../executor/index.js';
import type { ExecutorEvent } from '../executor/events.js';
import type { Task } from '../executor/task.js';
import type { ClusterModel, ClusterNode } from '../model/cluster.js';
import { systemImage } from '../model/versions.js';
import type { SnapshotClusterOps, SnapshotFile } from '../plan/etcd-snapshot-ops.js';
import { SshSnapshotClusterOps } from '../ops/etcd-snapshot-ops.js';
import { runGraph } from './run-graph.js';
import { openSession, type Session } from './session.js';

/** What every `drover etcd snapshot-*` command starts from: the model, a session, the etcd nodes. */
export interface SnapshotContext {
  model: ClusterModel;
  session: Session;
  etcdNodes: ClusterNode[];
  /** The etcd image, also used for one-off containers (it has a shell and etcdctl). */
  image: string;
  snapshots: SnapshotClusterOps;
  secrets: string[];
}

export async function openSnapshotContext(opts: { config: string; forceUnlock?: boolean }, io: IoHost, command: string, readOnly: boolean): Promise<SnapshotContext> {
  const { model, warnings, secrets } = await loadClusterModel(opts.config, io.env, { purpose: 'deploy' });
  for (const w of warnings) io.stderr.write(formatProblem(w) + '\n');
  const etcdNodes = model.nodes.filter((n) => n.roles.includes('etcd'));
  if (etcdNodes.length === 0) {
    throw new DroverError(`${model.configPath} has no node with the etcd role`, { exitCode: ExitCode.InvalidInput, hint: 'snapshots live on the etcd nodes' });
  }
  const session = await openSession(model, io, { command, forceUnlock: opts.forceUnlock ?? false, readOnly });
  const image = model.services.etcd.image ?? systemImage(model.kubernetesVersion, model.systemImages, 'etcd');
  return { model, session, etcdNodes, image, snapshots: new SshSnapshotClusterOps(session.transport, model), secrets };
}

/** Every etcd node's archives, listed at once; a node that cannot be reached fails the whole listing. */
export async function listEverywhere(ctx: SnapshotContext): Promise<Map<string, SnapshotFile[]>> {
  const lists = await Promise.all(ctx.etcdNodes.map(async (n) => [n.address, await ctx.snapshots.snapshotList(n, ctx.image)] as const));
  return new Map(lists);
}

/** Runs tasks through the executor with the usual renderer, Ctrl-C handling and redaction. */
export async function runTasks(ctx: SnapshotContext, io: IoHost, tasks: Task[], onEvent?: (e: ExecutorEvent) => void): Promise<ExecuteResult> {
  const cancellation = new Cancellation();
  const removeHandlers = installSignalHandlers(cancellation);
  try {
    return await runGraph(tasks, io, cancellation, {
      concurrency: 30,
      identity: `${ctx.model.configPath}#${ctx.model.name}`,
      secrets: ctx.secrets,
      ...(onEvent ? { onEvent } : {}),
    });
  } finally {
    removeHandlers();
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) (v /= 1024), i++;
  return `${v.toFixed(1)} ${units[i]}`;
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_c, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}
