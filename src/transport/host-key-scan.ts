import { Client } from 'ssh2';
import type { Duplex } from 'node:stream';
import { SshConnectError } from './errors.js';

/**
 * Fetch a server's host key without logging in (like ssh-keyscan): the verifier records the key
 * and refuses it, so the handshake stops before any credential is sent.
 */
export async function scanHostKey(target: { address: string; port: number }, opts: { sock?: Duplex; timeoutMs?: number } = {}): Promise<Buffer> {
  const client = new Client();
  let key: Buffer | undefined;
  return new Promise<Buffer>((resolve, reject) => {
    const finish = (err?: Error) => {
      client.removeAllListeners('ready');
      client.end();
      if (key) resolve(key);
      else
        reject(
          new SshConnectError(target.address, `cannot read the host key of ${target.address}:${target.port}: ${err?.message ?? 'no key offered'}`, {
            transient: true,
            cause: err,
            hint: 'is sshd running on the node and reachable from here?',
          }),
        );
    };
    client.on('error', (err) => finish(err));
    client.on('ready', () => finish());
    client.connect({
      host: target.address,
      port: target.port,
      username: 'drover-keyscan',
      ...(opts.sock ? { sock: opts.sock } : {}),
      readyTimeout: opts.timeoutMs ?? 15_000,
      hostVerifier: (blob: Buffer) => {
        key = Buffer.from(blob);
        return false;
      },
    });
  });
}
