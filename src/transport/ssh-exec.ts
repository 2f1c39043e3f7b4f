import type { Client } from 'ssh2';
import { ChannelOpenError, CommandTimeoutError, ConnectionLostError } from './errors.js';
import type { MarkStarted } from './ssh-pool.js';

export interface RawExecResult {
  code: number;
  signal: string | undefined;
  stdout: Buffer;
  stderr: Buffer;
}

/**
 * Run one command on an open connection. A close without an exit status means the connection
 * (or sshd's child) died under us: that is a ConnectionLostError, never a made-up exit code.
 */
export function execOnClient(
  host: string,
  client: Client,
  command: string,
  opts: { stdin?: string | Buffer | undefined; timeoutMs?: number | undefined; started: MarkStarted; shownCommand: string },
): Promise<RawExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, channel) => {
      if (err) {
        reject(new ChannelOpenError(host, err));
        return;
      }
      opts.started();
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      let code: number | undefined;
      let signal: string | undefined;
      let timedOut = false;
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              // sshd keeps the channel open until the command exits, so answer now; the remote
              // `timeout` wrapper (see SshHost) makes sure the command does not linger.
              timedOut = true;
              try {
                channel.signal('KILL');
                channel.close();
              } catch {
                /* the channel may already be going away */
              }
              reject(new CommandTimeoutError(host, opts.shownCommand, opts.timeoutMs ?? 0));
            }, opts.timeoutMs);
      channel.on('data', (d: Buffer) => out.push(d));
      channel.stderr.on('data', (d: Buffer) => errOut.push(d));
      channel.on('exit', (c: number | null, s?: string) => {
        code = c ?? undefined;
        signal = s ?? undefined;
      });
      channel.on('close', () => {
        if (timer) clearTimeout(timer);
        if (timedOut) return;
        if (code === undefined && signal === undefined) reject(new ConnectionLostError(host, `\`${opts.shownCommand}\``));
        else resolve({ code: code ?? 128 + 9, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(errOut) });
      });
      channel.on('error', () => {
        /* surfaced through 'close' without an exit status */
      });
      channel.end(opts.stdin ?? undefined);
    });
  });
}
