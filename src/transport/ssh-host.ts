import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import type { SshEndpoint } from '../model/cluster.js';
import type { ExecOptions, ExecResult, Host } from './host.js';
import { RemoteFileError, TransportError } from './errors.js';
import { shellQuote } from './shell.js';
import { execOnClient, type RawExecResult } from './ssh-exec.js';
import type { SshPool } from './ssh-pool.js';
import { sudoModeFromProbe, sudoWrap, type SudoMode } from './sudo.js';
import { readRemoteClock, type ClockReading } from './remote-clock.js';
import { sftpAtomicWrite, sftpMkdirP, sftpReadFile, sftpRemoveShallow, sftpStat } from './sftp.js';

/** Kill the command on the node too when it overruns (closing the channel alone does not). */
function withRemoteTimeout(command: string, timeoutMs: number): string {
  const seconds = Math.ceil(timeoutMs / 1000) + 1;
  return `timeout -s KILL ${seconds} sh -c ${shellQuote(command)}`;
}

/**
 * A node reached over the pool's single connection. Root users use SFTP directly; other users
 * upload to a private temporary directory and `sudo install` from there, because SFTP runs with
 * the login user's rights and cannot write /etc/kubernetes.
 */
export class SshHost implements Host {
  readonly address: string;
  private sudoMode: Promise<SudoMode> | undefined;

  constructor(
    private readonly pool: SshPool,
    readonly endpoint: SshEndpoint,
    private readonly env: Readonly<Record<string, string | undefined>>,
  ) {
    this.address = endpoint.address;
  }

  get isRoot(): boolean {
    return this.endpoint.user === 'root';
  }

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const r = await this.execRaw(command, opts);
    return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
  }

  /** exec with binary output; `idempotent` lets a dropped connection re-run a started command. */
  async execRaw(command: string, opts: ExecOptions & { idempotent?: boolean } = {}): Promise<RawExecResult> {
    const limited = opts.timeoutMs === undefined ? command : withRemoteTimeout(command, opts.timeoutMs);
    const wrapped = opts.sudo && !this.isRoot ? sudoWrap(await this.sudo(), limited, opts.stdin) : { command: limited, stdin: opts.stdin };
    return this.pool.withSession(
      this.endpoint,
      `\`${command}\``,
      (client, started) =>
        execOnClient(this.address, client, wrapped.command, { stdin: wrapped.stdin, timeoutMs: opts.timeoutMs, started, shownCommand: command }),
      { retryAfterStart: opts.idempotent === true },
    );
  }

  /** Open (or reuse) the node's connection: verifies the host key and logs in, runs nothing. */
  async connect(): Promise<void> {
    await this.pool.client(this.endpoint);
  }

  /** The node's clock relative to ours (see readRemoteClock). */
  async readClock(): Promise<ClockReading> {
    return this.pool.withSession(this.endpoint, 'clock reading', (client, started) => readRemoteClock(this.address, client, started), {
      retryAfterStart: true,
    });
  }

  async putFile(path: string, content: string | Buffer, opts: { mode?: number } = {}): Promise<void> {
    const mode = opts.mode ?? 0o644;
    const data = Buffer.from(content);
    if (this.isRoot) {
      await this.withSftp(`upload of ${path}`, (sftp) => sftpAtomicWrite(sftp, path, data, mode));
      return;
    }
    // Non-root: SFTP into a 0700 temp dir, then root installs it beside the target and renames.
    const tmpDir = (await this.mustExec('mktemp -d /tmp/drover.XXXXXXXX', { idempotent: true })).trim();
    try {
      const staged = `${tmpDir}/content`;
      await this.withSftp(`upload of ${path}`, (sftp) => sftpAtomicWrite(sftp, staged, data, 0o600));
      const beside = posix.join(posix.dirname(path), `.${posix.basename(path)}.drover-${randomBytes(4).toString('hex')}`);
      const octal = mode.toString(8).padStart(4, '0');
      await this.mustExec(
        `install -m ${octal} ${shellQuote(staged)} ${shellQuote(beside)} && mv -f ${shellQuote(beside)} ${shellQuote(path)}`,
        { sudo: true, idempotent: true },
      );
    } finally {
      await this.exec(`rm -rf ${shellQuote(tmpDir)}`).catch(() => undefined);
    }
  }

  async getFile(path: string): Promise<Buffer> {
    if (this.isRoot) return this.withSftp(`download of ${path}`, (sftp) => sftpReadFile(sftp, path));
    const r = await this.execRaw(`cat ${shellQuote(path)}`, { sudo: true, idempotent: true });
    if (r.code !== 0) throw new RemoteFileError(this.address, `cannot read ${path}: ${r.stderr.toString().trim()}`);
    return r.stdout;
  }

  async exists(path: string): Promise<boolean> {
    if (this.isRoot) return this.withSftp(`stat of ${path}`, async (sftp) => (await sftpStat(sftp, path)) !== undefined);
    const r = await this.execRaw(`test -e ${shellQuote(path)} || test -L ${shellQuote(path)}`, { sudo: true, idempotent: true });
    return r.code === 0;
  }

  async mkdir(path: string, opts: { mode?: number } = {}): Promise<void> {
    if (this.isRoot) {
      await this.withSftp(`mkdir of ${path}`, (sftp) => sftpMkdirP(sftp, path, opts.mode ?? 0o755));
      return;
    }
    const octal = (opts.mode ?? 0o755).toString(8).padStart(4, '0');
    await this.mustExec(`mkdir -p -m ${octal} ${shellQuote(path)}`, { sudo: true, idempotent: true });
  }

  async remove(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    if (this.isRoot && (await this.withSftp(`removal of ${path}`, (sftp) => sftpRemoveShallow(sftp, path, opts.recursive === true)))) return;
    await this.mustExec(`rm -f${opts.recursive ? 'r' : ''} -- ${shellQuote(path)}`, { sudo: true, idempotent: true });
  }

  private async mustExec(command: string, opts: ExecOptions & { idempotent?: boolean }): Promise<string> {
    const r = await this.execRaw(command, opts);
    if (r.code !== 0) throw new RemoteFileError(this.address, `\`${command}\` failed (exit ${r.code}): ${r.stderr.toString().trim()}`);
    return r.stdout.toString('utf8');
  }

  private withSftp<T>(what: string, fn: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    // Atomic writes and reads are safe to repeat, so they are retried across a dropped connection.
    return this.pool.withSession(
      this.endpoint,
      what,
      async (_client, started) => {
        const sftp = await this.pool.sftp(this.endpoint);
        started();
        try {
          return await fn(sftp);
        } catch (err) {
          // SFTP reports plain errors ("No such file"): say which host and operation.
          throw err instanceof TransportError ? err : new RemoteFileError(this.address, `${what} failed: ${(err as Error).message}`, err);
        }
      },
      { retryAfterStart: true, sessionSlot: false },
    );
  }

  /** How this host becomes root, probed once (`sudo -n true`) and remembered. */
  sudo(): Promise<SudoMode> {
    this.sudoMode ??= this.execRaw('sudo -n true').then((probe) => {
      try {
        return sudoModeFromProbe(this.address, this.endpoint.user, { code: probe.code, stderr: probe.stderr.toString() }, this.env);
      } catch (err) {
        this.sudoMode = undefined;
        throw err instanceof TransportError ? err : new TransportError(this.address, String(err), { transient: false });
      }
    });
    return this.sudoMode;
  }
}
