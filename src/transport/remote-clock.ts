import type { Client } from 'ssh2';
import { ConnectionLostError } from './errors.js';

export interface ClockReading {
  /** Remote clock minus local clock at the middle of the round trip. */
  offsetMs: number;
  /** Half the round trip: the offset is known only to within this much. */
  uncertaintyMs: number;
}

/**
 * Read the node's clock with the shell already started: the command prints a line, waits for
 * ours, then prints the time. Only that last exchange is timed, so a slow login shell (profile
 * scripts) does not blur the reading.
 */
export function readRemoteClock(host: string, client: Client, started: () => void): Promise<ClockReading> {
  return new Promise((resolve, reject) => {
    client.exec('echo ready; read _; date +%s%3N', (err, channel) => {
      if (err) return reject(err);
      started();
      let out = '';
      let t0 = 0;
      let t1 = 0;
      channel.on('data', (d: Buffer) => {
        out += d.toString();
        if (t0 === 0 && out.includes('ready\n')) {
          t0 = Date.now();
          channel.write('\n');
        } else if (t0 !== 0 && t1 === 0 && /ready\n\d+\n/.test(out)) t1 = Date.now();
      });
      channel.stderr.resume();
      channel.on('close', () => {
        const m = /ready\n(\d+)\n/.exec(out);
        if (!m || t1 === 0) return reject(new ConnectionLostError(host, 'clock reading'));
        const digits = m[1]!;
        // `date +%3N` is GNU; elsewhere %3N stays literal or yields seconds only: allow a second.
        const ms = digits.length >= 13 ? Number(digits.slice(0, 13)) : Number(digits) * 1000 + 500;
        const slack = digits.length >= 13 ? 0 : 500;
        resolve({ offsetMs: ms - (t0 + t1) / 2, uncertaintyMs: (t1 - t0) / 2 + slack });
      });
    });
  });
}
