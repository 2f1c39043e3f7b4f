import { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import { loadClusterModel } from '../config/index.js';
import { HostVerificationError } from '../errors.js';
import type { ClusterNode } from '../model/cluster.js';
import { judgeCluster, judgeNode, type NodeFacts } from '../plan/preflight.js';
import { parseProbeOutput, probeScript } from '../plan/preflight-probe.js';
import { formatPreflightTable } from '../plan/preflight-report.js';
import { SshDocker } from '../transport/docker-over-ssh.js';
import { openTransport, type NodeTransport } from '../transport/session.js';

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

async function gatherFacts(node: ClusterNode, transport: NodeTransport): Promise<NodeFacts> {
  const base = { address: node.address, nodeName: node.hostname, roles: node.roles };
  const host = transport.host(node);
  const docker = transport.docker(node) as SshDocker;
  // SSH first: nothing else is attempted on a node whose host key is not verified.
  try {
    await host.connect();
  } catch (err) {
    const hostKey = err instanceof HostVerificationError;
    return { ...base, ssh: { ok: false, error: (err as Error).message, hostKey } };
  }
  const facts: NodeFacts = { ...base, ssh: { ok: true, user: node.user, port: node.port } };
  // Docker, the probe and the clock run side by side on the one connection.
  const dockerFacts = Promise.all([docker.version(), docker.info(), docker.listContainers(), docker.route()]).then(
    ([version, info, containers, route]) => {
      facts.docker = { ok: true, version: version.version, apiVersion: version.apiVersion, route };
      facts.runningContainers = containers.map((c) => c.name);
      return info.dockerRootDir || DEFAULT_DOCKER_ROOT;
    },
    (err: unknown) => {
      facts.docker = { ok: false, error: (err as Error).message };
      return DEFAULT_DOCKER_ROOT;
    },
  );
  const probe = async (root: string) => parseProbeOutput((await host.exec(probeScript(root), { timeoutMs: 30_000 })).stdout);
  const [dockerRoot, parsed, clock] = await Promise.all([
    dockerFacts,
    probe(DEFAULT_DOCKER_ROOT).catch(() => undefined),
    host.readClock().catch(() => undefined),
  ]);
  // Facts left unread are judged as failures ("not read"), never as passes.
  if (parsed) {
    facts.osHostname = parsed.osHostname;
    facts.sysctls = parsed.sysctls;
    facts.listeners = parsed.listeners;
    // A daemon with another data root: measure that filesystem instead (rare, one more command).
    const disk = dockerRoot === DEFAULT_DOCKER_ROOT ? parsed.disk : (await probe(dockerRoot).catch(() => undefined))?.disk;
    if (disk) facts.disk = disk;
  }
  if (clock) facts.clock = clock;
  return facts;
}

const DEFAULT_DOCKER_ROOT = '/var/lib/docker';
