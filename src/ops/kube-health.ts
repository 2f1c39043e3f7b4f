import { connect as tlsConnect } from 'node:tls';
import type { ClusterNode } from '../model/cluster.js';
import type { SshPool } from '../transport/ssh-pool.js';
import { openForwardedStream } from '../transport/tls-over-ssh.js';

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
  let stream;
  try {
    stream = await openForwardedStream(pool, node, '127.0.0.1', probe.port);
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
  return new Promise((resolve) => {
    const socket = tlsConnect({
      socket: stream,
      servername: 'localhost',
      ...(probe.tls ? { ca: probe.tls.ca, cert: probe.tls.cert, key: probe.tls.key, checkServerIdentity: () => undefined } : { rejectUnauthorized: false }),
    });
    const chunks: Buffer[] = [];
    const done = (ok: boolean, detail: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok, detail });
    };
    const timer = setTimeout(() => done(false, `no answer within ${probe.timeoutMs} ms`), probe.timeoutMs);
    socket.on('secureConnect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => done(false, err.message));
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.\d (\d+)/.exec(text)?.[1] ?? 0);
      const body = text.split('\r\n\r\n').slice(1).join('\r\n\r\n').trim();
      done(status === 200, status ? `HTTP ${status}: ${body.slice(0, 200)}` : 'connection closed without an answer');
    });
  });
}
