import { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import { loadClusterModel } from '../config/index.js';
import { gatherFacts } from '../ops/node-facts.js';
import { judgeCluster, judgeNode } from '../plan/preflight.js';
import { formatPreflightTable } from '../plan/preflight-report.js';
import { openTransport } from '../transport/session.js';

/**
 * `drover check`: preflight every node without changing anything. Facts are gathered per node
 * in parallel over the run's single connection per node, then judged by pure rules.
 */
export async function check(opts: { config: string }, io: IoHost): Promise<ExitCode> {
  const { model } = await loadClusterModel(opts.config, io.env);
  await using transport = await openTransport(model, io.env);
  const facts = await Promise.all(model.nodes.map((node) => gatherFacts(node, transport)));
  const results = [...facts.flatMap((f) => judgeNode(f, model.network.plugin)), ...judgeCluster(facts)];
  if (io.output === 'json') {
    for (const r of results) io.stdout.write(JSON.stringify({ type: 'check', ...r }) + '\n');
  } else {
    const roles = Object.fromEntries(model.nodes.map((n) => [n.address, n.roles]));
    io.stdout.write(formatPreflightTable(results, { tty: io.output === 'tty', roles }));
  }
  const hostKeyFailure = facts.some((f) => !f.ssh.ok && f.ssh.hostKey);
  const failed = results.some((r) => r.status === 'fail');
  if (io.output === 'json') io.stdout.write(JSON.stringify({ type: 'check-summary', ok: !failed, failed: results.filter((r) => r.status === 'fail').length }) + '\n');
  if (hostKeyFailure) {
    io.stderr.write(`error: host keys could not be verified; nothing was run on those nodes\n  hint: drover hosts trust --config ${opts.config}\n`);
    return ExitCode.HostVerification;
  }
  return failed ? ExitCode.Failed : ExitCode.Ok;
}
