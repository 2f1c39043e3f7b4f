import type { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import { UsageError } from '../errors.js';
import { serviceCerts } from '../pki/rotate.js';
import { up } from './up.js';

export interface CertRotateOptions {
  config: string;
  service?: string;
  rotateCa?: boolean;
  dryRun?: boolean;
  concurrency?: string;
  forceUnlock?: boolean;
}

/**
 * `drover cert rotate [--service S]`: new keys and certificates for every service (or one),
 * signed by the same CAs, then `drover up`: the new files go out and exactly the containers
 * that read them are replaced — etcd members and API servers one at a time, each healthy
 * before the next. The new material is kept in the state before any of it reaches a node, so
 * a run that fails half-way is finished by `drover up` (or `drover up --resume`).
 */
export async function certRotate(opts: CertRotateOptions, io: IoHost): Promise<ExitCode> {
  if (opts.rotateCa) {
    throw new UsageError(
      '--rotate-ca is not supported yet: a new CA also invalidates every service-account token and the CA bundle of every running pod',
      'rotate the service certificates without --rotate-ca; they get new keys and stay signed by the same CAs',
    );
  }
  // Checked before anything connects; chooseRotation applies it once the state is read.
  if (opts.service !== undefined) serviceCerts(opts.service);
  return up(
    {
      config: opts.config,
      dryRun: Boolean(opts.dryRun),
      forceUnlock: Boolean(opts.forceUnlock),
      ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
      rotate: opts.service !== undefined ? { service: opts.service } : {},
    },
    io,
  );
}
