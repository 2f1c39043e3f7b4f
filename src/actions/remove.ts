import { rm } from 'node:fs/promises';
import { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import { loadClusterModel } from '../config/index.js';
import { UsageError } from '../errors.js';
import { Cancellation, installSignalHandlers } from '../executor/index.js';
import { adminKubeconfigPath } from '../pki/index.js';
import { planRemove } from '../plan/remove.js';
import { SshClusterOps } from '../ops/ssh-cluster-ops.js';
import { cleanKubeletLeftovers } from '../ops/kubelet-leftovers.js';
import type { ClusterNode } from '../model/cluster.js';
import { SshNetworkOps } from '../ops/ssh-network-ops.js';
import { backupPathFor, lockPathFor, statePathFor } from '../state/index.js';
import { runGraph } from './run-graph.js';
import { openSession } from './session.js';

export interface RemoveOptions {
  config: string;
  force?: boolean;
  dryRun?: boolean;
}

/** `drover remove`: tear the cluster down; every node is left as drover found it. */
export async function remove(opts: RemoveOptions, io: IoHost): Promise<ExitCode> {
  const { model, secrets } = await loadClusterModel(opts.config, io.env, { purpose: 'validate' });
  if (!opts.force && !opts.dryRun) await confirm(io, model.nodes.length, model.name);
  const session = await openSession(model, io, { command: 'remove', readOnly: Boolean(opts.dryRun) });
  const cancellation = new Cancellation();
  const removeHandlers = installSignalHandlers(cancellation);
  try {
    const previousNodes = session.previous?.appliedConfig?.nodes ?? [];
    const kube = { cleanKubeletLeftovers: (node: ClusterNode) => cleanKubeletLeftovers(session.transport, node) };
    const tasks = planRemove(model, previousNodes, new SshClusterOps(session.transport, model), { kube, network: new SshNetworkOps(session.transport) });
    const result = await runGraph(tasks, io, cancellation, { dryRun: Boolean(opts.dryRun), secrets });
    if (result.ok && !opts.dryRun) {
      const statePath = statePathFor(model.configPath);
      for (const file of [statePath, backupPathFor(statePath), session.journalPath, adminKubeconfigPath(model.configPath)]) await rm(file, { force: true });
    }
    return result.exitCode;
  } finally {
    removeHandlers();
    await session.close();
    if (!opts.dryRun) await rm(lockPathFor(statePathFor(model.configPath)), { force: true, recursive: true });
  }
}

async function confirm(io: IoHost, nodes: number, name: string): Promise<void> {
  if (!io.stdout.isTTY || io.output !== 'tty') {
    throw new UsageError(`drover remove deletes cluster "${name}" from ${nodes} node(s) and needs confirmation`, 'run it on a terminal to be asked, or pass --force');
  }
  const { confirm: ask } = await import('@inquirer/prompts');
  const yes = await ask({ message: `Remove cluster "${name}" from ${nodes} node(s)? Containers, certificates and etcd data are deleted.`, default: false });
  if (!yes) throw new UsageError('nothing was removed');
}
