import { resolve } from 'node:path';
import { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import { DroverError } from '../errors.js';
import { pkiStatus, type CertInfo } from '../pki/index.js';
import { resolveStateKey, StateStore, statePathFor } from '../state/index.js';

export interface CertStatusOptions {
  config: string;
}

/** Certificates expiring within this many days are flagged. */
const SOON_DAYS = 30;

/** `drover cert status`: every certificate in the state with its expiry, soonest first. */
export async function certStatus(opts: CertStatusOptions, io: IoHost, now: Date = new Date()): Promise<ExitCode> {
  const statePath = statePathFor(resolve(io.cwd, opts.config));
  const state = await new StateStore(statePath, await resolveStateKey(io.env, io.cwd)).load();
  if (!state?.pki) {
    throw new DroverError(`no certificates: ${state ? `the state ${statePath} holds no PKI` : `there is no state file ${statePath}`}`, {
      exitCode: ExitCode.InvalidInput,
      hint: '`drover up` creates the PKI; `drover util get-state` recovers a lost state from the cluster',
    });
  }
  const certs = pkiStatus(state.pki, now);
  if (io.output === 'json') {
    for (const cert of certs) io.stdout.write(JSON.stringify({ type: 'cert-status', ...cert, status: statusOf(cert) }) + '\n');
    return ExitCode.Ok;
  }
  const rows = certs.map((c) => [c.name, c.commonName, c.issuer, c.notAfter.slice(0, 10), String(c.daysLeft), statusOf(c) + (c.custom ? ' (custom)' : '')]);
  io.stdout.write(table([['CERTIFICATE', 'SUBJECT CN', 'ISSUER', 'EXPIRES', 'DAYS', 'STATUS'], ...rows]));
  return ExitCode.Ok;
}

function statusOf(cert: CertInfo): 'expired' | 'expiring' | 'ok' {
  if (cert.daysLeft < 0) return 'expired';
  return cert.daysLeft <= SOON_DAYS ? 'expiring' : 'ok';
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_c, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}
