import { Agent } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import type { SshEndpoint } from '../model/cluster.js';
import { DockerError } from './errors.js';
import { shellQuote } from './shell.js';
import type { SshPool } from './ssh-pool.js';
import { sudoWrap, type SudoMode } from './sudo.js';

/** Opens one byte stream to the node's Docker API socket. */
export type DockerStreamFactory = () => Promise<Duplex>;

/** Why a stream could not be opened: the forward was refused (try the fallback) or the daemon is away. */
export class DockerStreamError extends DockerError {
  readonly refused: boolean;
  constructor(host: string, message: string, how: { refused: boolean; transient: boolean }, cause?: unknown) {
    super(host, message, { transient: how.transient, cause });
    this.refused = how.refused;
  }
}

/** http needs a few socket methods an SSH channel lacks; they are meaningless on a channel. */
function asSocket(channel: ClientChannel): Duplex {
  const s = channel as unknown as Record<string, unknown>;
  for (const m of ['setTimeout', 'setNoDelay', 'setKeepAlive', 'ref', 'unref']) s[m] ??= () => channel;
  return channel;
}

/** A direct-streamlocal@openssh.com channel to the socket (needs AllowStreamLocalForwarding). */
export function streamLocalFactory(pool: SshPool, endpoint: SshEndpoint, socketPath: string): DockerStreamFactory {
  return async () => {
    const client = await pool.client(endpoint);
    return new Promise<Duplex>((resolve, reject) => {
      client.openssh_forwardOutStreamLocal(socketPath, (err, channel) => {
        if (err) {
          // "administratively prohibited" = forwarding disabled; "connect failed" = socket missing or not ours.
          const reason = (err as { reason?: number }).reason;
          const prohibited = reason === 1 || /prohibited/i.test(err.message);
          const connectFailed = reason === 2 || /connect failed/i.test(err.message);
          reject(new DockerStreamError(endpoint.address, `cannot open ${socketPath} over SSH: ${err.message}`, { refused: prohibited || connectFailed, transient: !prohibited }, err));
        } else resolve(asSocket(channel));
      });
    });
  };
}

/**
 * The fallback: `docker system dial-stdio` over exec, through sudo for non-root users, which
 * carries the same API over the command's stdin/stdout.
 */
export function dialStdioFactory(pool: SshPool, endpoint: SshEndpoint, socketPath: string, sudo: () => Promise<SudoMode>): DockerStreamFactory {
  return async () => {
    const client = await pool.client(endpoint);
    const inner = `DOCKER_HOST=${shellQuote('unix://' + socketPath)} exec docker system dial-stdio`;
    const wrapped = endpoint.user === 'root' ? { command: inner } : sudoWrap(await sudo(), inner);
    return new Promise<Duplex>((resolve, reject) => {
      client.exec(wrapped.command, (err, channel) => {
        if (err) reject(new DockerStreamError(endpoint.address, `cannot run docker system dial-stdio: ${err.message}`, { refused: false, transient: true }, err));
        else {
          if ('stdin' in wrapped && wrapped.stdin !== undefined) channel.write(wrapped.stdin);
          channel.stderr.resume();
          resolve(asSocket(channel));
        }
      });
    });
  };
}

/** An http.Agent whose connections are streams from the factory (keep-alive reuses them). */
export function agentOverStreams(factory: () => Promise<Duplex>, maxSockets: number): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  (agent as unknown as { createConnection: unknown }).createConnection = (_opts: unknown, done: (err: Error | null, s?: Duplex) => void) => {
    factory().then(
      (s) => done(null, s),
      (err: Error) => done(err),
    );
    return undefined;
  };
  return agent;
}
