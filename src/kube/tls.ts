import tls from 'node:tls';
import type { Duplex } from 'node:stream';

export interface KubeTlsOptions {
  ca: string;
  cert: string;
  key: string;
  /** Checked against the apiserver certificate (its SANs hold "kubernetes" and "localhost"). */
  servername?: string;
}

/**
 * TLS over an already open stream (an SSH-forwarded channel to 127.0.0.1:6443), verifying the
 * apiserver against kube-ca and presenting the admin certificate.
 */
export function tlsSocket(stream: Duplex, opts: KubeTlsOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ socket: stream, ca: opts.ca, cert: opts.cert, key: opts.key, servername: opts.servername ?? 'kubernetes' });
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      socket.off('error', fail);
      resolve(socket);
    });
  });
}
