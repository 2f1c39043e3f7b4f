import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import type { SshEndpoint } from '../model/cluster.js';
import { ChannelOpenError, ConnectionLostError, isTransient, SshConnectError } from './errors.js';
import { readKnownHostsFile } from './known-hosts-file.js';
import { connectSsh, type ConnectSettings } from './ssh-connect.js';
import { Semaphore } from './semaphore.js';

export interface SshPoolOptions {
  knownHostsPath: string;
  /** cluster.yml path, for the `drover hosts trust --config <file>` hint. */
  configPath: string;
  env: Readonly<Record<string, string | undefined>>;
  bastion?: SshEndpoint | undefined;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  readyTimeoutMs?: number;
  /** Connection attempts per operation (first connect or reconnect after a drop). */
  connectAttempts?: number;
  /** OpenSSH's MaxSessions is 10 per connection: stay below it (one more is kept for SFTP). */
  maxSessionsPerConnection?: number;
}

interface Connection {
  client: Client;
  alive: boolean;
  sessions: Semaphore;
  sftp?: Promise<SFTPWrapper>;
}

const CHANNEL_OPEN_RETRIES = 20;

/** Marks the moment an operation's effect may have begun (a command started, a write opened). */
export type MarkStarted = () => void;

/**
 * Exactly one SSH connection per node per run, shared by every channel to that node. A dropped
 * connection is replaced on next use; operations that had not started yet are retried on the
 * new one, started ones only when the caller says they are safe to repeat.
 */
export class SshPool {
  private readonly connections = new Map<string, Promise<Connection>>();
  private readonly openedCount = new Map<string, number>();
  private closed = false;

  private constructor(
    private readonly settings: ConnectSettings,
    private readonly opts: SshPoolOptions,
  ) {}

  static async open(opts: SshPoolOptions): Promise<SshPool> {
    const settings: ConnectSettings = {
      knownHosts: await readKnownHostsFile(opts.knownHostsPath),
      knownHostsPath: opts.knownHostsPath,
      trustCommand: `drover hosts trust --config ${opts.configPath}`,
      env: opts.env,
      keepaliveIntervalMs: opts.keepaliveIntervalMs ?? 5_000,
      keepaliveCountMax: opts.keepaliveCountMax ?? 3,
      readyTimeoutMs: opts.readyTimeoutMs ?? 20_000,
    };
    return new SshPool(settings, opts);
  }

  /** SSH connections opened so far, per `address:port` (1 per node in a run without drops). */
  connectionsOpened(): Record<string, number> {
    return Object.fromEntries(this.openedCount);
  }

  /**
   * Run `fn` with a session slot on the node's connection. When the connection drops, `fn` is run
   * again on a fresh connection if it had not called `started()`, or if `retryAfterStart` is set.
   */
  async withSession<T>(
    endpoint: SshEndpoint,
    what: string,
    fn: (client: Client, started: MarkStarted) => Promise<T>,
    opts: { retryAfterStart?: boolean; sessionSlot?: boolean } = {},
  ): Promise<T> {
    const attempts = this.opts.connectAttempts ?? 3;
    let refusedChannels = 0;
    for (let attempt = 1; ; attempt++) {
      const conn = await this.connection(endpoint);
      let started = false;
      const run = () => fn(conn.client, () => (started = true));
      try {
        return opts.sessionSlot === false ? await run() : await conn.sessions.use(run);
      } catch (err) {
        // sshd frees a closed session slot a moment after we see the close: wait and try again.
        if (conn.alive && err instanceof ChannelOpenError && refusedChannels < CHANNEL_OPEN_RETRIES) {
          refusedChannels++;
          attempt--;
          await new Promise((r) => setTimeout(r, 20 * refusedChannels));
          continue;
        }
        if (conn.alive && !(err instanceof ConnectionLostError)) throw err;
        const mayRetry = !started || opts.retryAfterStart === true;
        if (!mayRetry || attempt >= attempts) {
          throw err instanceof ConnectionLostError ? err : new ConnectionLostError(endpoint.address, what, err);
        }
      }
    }
  }

  /** The node's SFTP session, opened once per connection. */
  async sftp(endpoint: SshEndpoint): Promise<SFTPWrapper> {
    const conn = await this.connection(endpoint);
    conn.sftp ??= new Promise<SFTPWrapper>((resolve, reject) => {
      conn.client.sftp((err, sftp) => {
        if (err) {
          conn.sftp = undefined;
          reject(err);
        } else resolve(sftp);
      });
    });
    return conn.sftp;
  }

  /** The live client for a node (connecting, or reconnecting, when needed). */
  async client(endpoint: SshEndpoint): Promise<Client> {
    return (await this.connection(endpoint)).client;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((p) => p.then((c) => c.client.end(), () => undefined)));
  }

  private async connection(endpoint: SshEndpoint): Promise<Connection> {
    if (this.closed) throw new SshConnectError(endpoint.address, 'the SSH pool is closed', { transient: false });
    const key = `${endpoint.address}:${endpoint.port}`;
    const existing = this.connections.get(key);
    if (existing) return existing;
    const pending = this.connectWithRetry(endpoint, key);
    this.connections.set(key, pending);
    pending.catch(() => {
      if (this.connections.get(key) === pending) this.connections.delete(key);
    });
    return pending;
  }

  private async connectWithRetry(endpoint: SshEndpoint, key: string): Promise<Connection> {
    const attempts = this.opts.connectAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        const client = await this.dial(endpoint);
        this.openedCount.set(key, (this.openedCount.get(key) ?? 0) + 1);
        const conn: Connection = { client, alive: true, sessions: new Semaphore(this.opts.maxSessionsPerConnection ?? 8) };
        const forget = () => {
          conn.alive = false;
          void this.connections.get(key)?.then((c) => {
            if (c === conn) this.connections.delete(key);
          });
        };
        client.on('close', forget).on('end', forget).on('error', forget);
        return conn;
      } catch (err) {
        if (!isTransient(err) || attempt >= attempts) throw err;
        await new Promise((r) => setTimeout(r, 200 * 2 ** (attempt - 1)));
      }
    }
  }

  private async dial(endpoint: SshEndpoint): Promise<Client> {
    const bastion = this.opts.bastion;
    const isBastion = bastion !== undefined && bastion.address === endpoint.address && bastion.port === endpoint.port;
    if (!bastion || isBastion) return connectSsh(endpoint, this.settings);
    return connectSsh(endpoint, this.settings, await this.tunnel(endpoint));
  }

  /** A TCP tunnel to a node through the bastion (the bastion's host key verified first). */
  async tunnel(target: { address: string; port: number }): Promise<ClientChannel> {
    const bastion = this.opts.bastion;
    if (!bastion) throw new SshConnectError(target.address, 'no bastion_host configured', { transient: false });
    const jump = await this.connection(bastion);
    return new Promise<ClientChannel>((resolve, reject) => {
      jump.client.forwardOut('127.0.0.1', 0, target.address, target.port, (err, stream) => {
        if (err) {
          const message = `bastion ${bastion.address} could not reach ${target.address}:${target.port}: ${err.message}`;
          reject(new SshConnectError(target.address, message, { transient: !jump.alive, cause: err }));
        } else resolve(stream);
      });
    });
  }
}
