import { DroverError } from '../errors.js';
import { ETCD_CONTAINER } from '../components/etcd.js';
import type { EtcdMember } from '../plan/ops.js';
import type { Docker } from '../transport/docker.js';

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

/** True when the node's member answers its health endpoint. */
export async function memberHealthy(docker: Docker): Promise<{ healthy: boolean; detail: string }> {
  try {
    const info = await docker.inspectContainer(ETCD_CONTAINER);
    if (!info?.running) return { healthy: false, detail: info ? `container ${info.state}` : 'no etcd container' };
    const r = await docker.exec(ETCD_CONTAINER, ['etcdctl', 'endpoint', 'health', '--command-timeout=3s']);
    return { healthy: r.code === 0 && /is healthy/.test(r.stdout + r.stderr), detail: lastLines(r.stderr || r.stdout, 2) };
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
