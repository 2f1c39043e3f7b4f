import { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import type { SnapshotFile } from '../plan/etcd-snapshot-ops.js';
import { formatBytes, listEverywhere, openSnapshotContext, table } from './etcd-snapshot-common.js';

export interface SnapshotListOptions {
  config: string;
}

export interface SnapshotSummary {
  name: string;
  /** Addresses of the etcd nodes holding it, in cluster.yml order. */
  nodes: string[];
  sizeBytes: number;
  createdAt: string;
}

/** One row per name: the nodes holding it, the largest copy, the earliest time. Newest first. */
export function summarize(byNode: Map<string, SnapshotFile[]>): SnapshotSummary[] {
  const rows = new Map<string, SnapshotSummary>();
  for (const [address, files] of byNode) {
    for (const f of files) {
      const row = rows.get(f.name) ?? { name: f.name, nodes: [], sizeBytes: 0, createdAt: f.createdAt };
      row.nodes.push(address);
      row.sizeBytes = Math.max(row.sizeBytes, f.sizeBytes);
      if (f.createdAt < row.createdAt) row.createdAt = f.createdAt;
      rows.set(f.name, row);
    }
  }
  return [...rows.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.name.localeCompare(b.name));
}

/** `drover etcd snapshot-list`: read-only (no lock), also while etcd is down. */
export async function snapshotList(opts: SnapshotListOptions, io: IoHost): Promise<ExitCode> {
  const ctx = await openSnapshotContext(opts, io, 'etcd snapshot-list', true);
  try {
    const rows = summarize(await listEverywhere(ctx));
    if (io.output === 'json') {
      for (const r of rows) io.stdout.write(JSON.stringify({ type: 'etcd-snapshot', ...r }) + '\n');
      return ExitCode.Ok;
    }
    if (rows.length === 0) {
      io.stdout.write(`no etcd snapshots on ${ctx.etcdNodes.map((n) => n.address).join(', ')}\n`);
      return ExitCode.Ok;
    }
    const total = ctx.etcdNodes.length;
    io.stdout.write(
      table([
        ['NAME', 'NODES', 'SIZE', 'CREATED (UTC)'],
        ...rows.map((r) => [r.name, `${r.nodes.length}/${total} ${r.nodes.join(',')}`, formatBytes(r.sizeBytes), r.createdAt.replace('T', ' ').replace(/\.\d+Z$/, '')]),
      ]),
    );
    return ExitCode.Ok;
  } finally {
    await ctx.session.close();
  }
}
