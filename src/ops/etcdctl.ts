import { DroverError } from '../errors.js';
import { ETCD_CLIENT_PORT, ETCD_CONTAINER } from '../components/etcd.js';
import type { SshEndpoint } from '../model/cluster.js';
import type { EtcdMember } from '../plan/ops.js';
import { CertName, type Pki } from '../pki/index.js';
import type { Docker } from '../transport/docker.js';
import type { SshPool } from '../transport/ssh-pool.js';
import { httpsGet } from '../transport/tls-over-ssh.js';

/**
 * etcdctl inside a node's etcd container: its ETCDCTL_* environment points at the node's own
 * member with its certificates, so no key ever crosses the wire.
 */
async function etcdctl(docker: Docker, args: string[]): Promise<string> {
  const r = await docker.exec(ETCD_CONTAINER, ['etcdctl', ...args]);
  if (r.code !== 0) {
    throw new DroverError(`etcdctl ${args.join(' ')} failed on ${docker.address}: ${lastLines(r.stderr || r.stdout, 5)}`);
  }
  return r.stdout;
}

export const lastLines = (text: string, n: number): string => text.trim().split('\n').slice(-n).join('\n');

/** PEMs for talking to etcd as a client: the etcd CA and the apiserver's etcd client certificate. */
export interface EtcdClientTls {
  ca: string;
  cert: string;
  key: string;
}

/** The client TLS material from drover's PKI; undefined when it lacks it (a custom etcd CA without key, say). */
export function etcdClientTls(pki: Pick<Pki, 'certs'>): EtcdClientTls | undefined {
  const ca = pki.certs[CertName.etcdCa];
  const client = pki.certs[CertName.apiServerEtcdClient];
  if (!ca || !client?.keyPem) return undefined;
  return { ca: ca.certPem, cert: client.certPem, key: client.keyPem };
}

/** How to reach a member's /health without Docker: TLS through the node's SSH connection. */
export interface EtcdHealthRoute {
  pool: SshPool;
  node: SshEndpoint;
  tls: EtcdClientTls;
}

export type MemberHealth = { healthy: boolean; detail: string };

/**
 * True when the node's member answers its health endpoint. With a route, that is one
 * `GET /health` over TLS through the SSH connection (~tens of ms); without one, `etcdctl endpoint
 * health` in the container (an exec: ~0.5 s). Either way an unhealthy member's detail says why,
 * with the container's state when it is not running.
 */
export async function memberHealthy(docker: Docker, route?: EtcdHealthRoute): Promise<MemberHealth> {
  if (route) {
    const viaTls = await healthOverTls(route);
    if (viaTls.healthy) return viaTls;
    const container = await containerProblem(docker);
    return container ? { healthy: false, detail: container } : viaTls;
  }
  try {
    const problem = await containerProblem(docker);
    if (problem) return { healthy: false, detail: problem };
    const r = await docker.exec(ETCD_CONTAINER, ['etcdctl', 'endpoint', 'health', '--command-timeout=3s']);
    return { healthy: r.code === 0 && /is healthy/.test(r.stdout + r.stderr), detail: lastLines(r.stderr || r.stdout, 2) };
  } catch (err) {
    return { healthy: false, detail: err instanceof Error ? err.message : String(err) };
  }
}

/** Why the etcd container cannot be healthy (absent, exited, restarting), or undefined when it runs. */
async function containerProblem(docker: Docker): Promise<string | undefined> {
  try {
    const info = await docker.inspectContainer(ETCD_CONTAINER);
    if (!info) return 'no etcd container';
    if (!info.running) return `container ${info.state}${info.state === 'exited' ? ` (exit code ${info.exitCode})` : ''}`;
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** etcd answers {"health":"true"} (and 503 with "false" and a reason when it is not). */
export function parseEtcdHealth(status: number, body: string): MemberHealth {
  let parsed: { health?: unknown; reason?: unknown } = {};
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    /* not JSON: reported as it came */
  }
  const healthy = status === 200 && (parsed.health === 'true' || parsed.health === true);
  const why = typeof parsed.reason === 'string' && parsed.reason ? parsed.reason : lastLines(body, 2);
  return { healthy, detail: healthy ? 'healthy' : `GET /health answered ${status}: ${why}` };
}

async function healthOverTls(route: EtcdHealthRoute): Promise<MemberHealth> {
  try {
    const r = await httpsGet(route.pool, route.node, { host: '127.0.0.1', port: ETCD_CLIENT_PORT, path: '/health', ...route.tls, timeoutMs: 5_000 });
    return parseEtcdHealth(r.status, r.body);
  } catch (err) {
    return { healthy: false, detail: err instanceof Error ? err.message : String(err) };
  }
}

/** `member list -w simple`: "id, started, name, peer urls, client urls, is learner" (ids in hex, exact). */
export async function memberList(docker: Docker): Promise<EtcdMember[]> {
  const out = await etcdctl(docker, ['member', 'list', '-w', 'simple']);
  return out
    .split('\n')
    .map((line) => line.split(',').map((f) => f.trim()))
    .filter((f) => f.length >= 4 && f[0])
    .map((f) => ({ id: f[0]!, name: f[2] ?? '', peerUrls: (f[3] ?? '').split(/\s+/).filter(Boolean) }));
}

/**
 * etcd refuses membership changes ("unhealthy cluster") until every member has been connected
 * for 5 s — right after a rolling restart, say. That is a wait, not a failure.
 */
async function reconfigure(docker: Docker, args: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await etcdctl(docker, args);
      return;
    } catch (err) {
      if (!(err instanceof Error && /unhealthy cluster/.test(err.message)) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

export async function memberAdd(docker: Docker, name: string, peerUrl: string): Promise<void> {
  await reconfigure(docker, ['member', 'add', name, `--peer-urls=${peerUrl}`]);
}

export async function memberRemove(docker: Docker, id: string): Promise<void> {
  await reconfigure(docker, ['member', 'remove', id]);
}
