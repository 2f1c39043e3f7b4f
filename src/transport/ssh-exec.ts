import type { Client } from 'ssh2';
import { CommandTimeoutError, ConnectionLostError, TransportError } from './errors.js';
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
        reject(new TransportError(host, `cannot start a command: ${err.message}`, { transient: true, cause: err }));
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
              timedOut = true;
              try {
                channel.signal('KILL');
              } catch {
                /* the server may not support signals; closing the channel still ends our wait */
              }
              channel.close();
            }, opts.timeoutMs);
      channel.on('data', (d: Buffer) => out.push(d));
      channel.stderr.on('data', (d: Buffer) => errOut.push(d));
      channel.on('exit', (c: number | null, s?: string) => {
        code = c ?? undefined;
        signal = s ?? undefined;
      });
      channel.on('close', () => {
        if (timer) clearTimeout(timer);
        if (timedOut) reject(new CommandTimeoutError(host, opts.shownCommand, opts.timeoutMs ?? 0));
        else if (code === undefined && signal === undefined) reject(new ConnectionLostError(host, `\`${opts.shownCommand}\``));
        else resolve({ code: code ?? 128 + 9, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(errOut) });
      });
      channel.on('error', () => {
        /* surfaced through 'close' without an exit status */
      });
      channel.end(opts.stdin ?? undefined);
    });
  });
}
