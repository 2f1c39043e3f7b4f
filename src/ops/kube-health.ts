import type { ClusterNode } from '../model/cluster.js';
import type { SshPool } from '../transport/ssh-pool.js';
import { httpsGet } from '../transport/tls-over-ssh.js';

/**
 * GET /healthz of a component listening on the node's loopback, over TLS through the node's SSH
 * connection. The apiserver's certificate is verified against kube-ca; controller-manager and
 * scheduler serve self-signed certificates, so for them only the channel is authenticated (it is
 * the node's verified SSH connection to its own 127.0.0.1).
 */
export interface HealthProbe {
  port: number;
  /** PEMs to verify the server and to present as a client; absent: self-signed component. */
  tls?: { ca: string; cert: string; key: string };
  timeoutMs: number;
}

export async function probeHealthz(pool: SshPool, node: ClusterNode, probe: HealthProbe): Promise<{ ok: boolean; detail: string }> {
  try {
    const r = await httpsGet(pool, node, {
      host: '127.0.0.1',
      port: probe.port,
      path: '/healthz',
      timeoutMs: probe.timeoutMs,
      // The apiserver's certificate names localhost (and 127.0.0.1); SNI takes only DNS names.
      ...(probe.tls ? { ...probe.tls, servername: 'localhost' } : { selfSignedServer: true }),
    });
    return { ok: r.status === 200, detail: `HTTP ${r.status}: ${r.body.trim().slice(0, 200)}` };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}
