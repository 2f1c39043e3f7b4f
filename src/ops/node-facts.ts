import { HostVerificationError } from '../errors.js';
import type { ClusterNode } from '../model/cluster.js';
import type { NodeFacts } from '../plan/preflight.js';
import { parseProbeOutput, probeScript } from '../plan/preflight-probe.js';
import type { SshDocker } from '../transport/docker-over-ssh.js';
import type { NodeTransport } from '../transport/session.js';

/**
 * What preflight judges, read from one node over the run's single connection: SSH (host key
 * first, nothing else on a node that fails it), Docker, listening ports, kernel settings, disk
 * and clock. Used by `drover check` and before `drover up` changes anything.
 */
export async function gatherFacts(node: ClusterNode, transport: NodeTransport): Promise<NodeFacts> {
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
    facts.links = parsed.links;
    // A daemon with another data root: measure that filesystem instead (rare, one more command).
    const disk = dockerRoot === DEFAULT_DOCKER_ROOT ? parsed.disk : (await probe(dockerRoot).catch(() => undefined))?.disk;
    if (disk) facts.disk = disk;
  }
  if (clock) facts.clock = clock;
  return facts;
}

const DEFAULT_DOCKER_ROOT = '/var/lib/docker';
