import { posix } from 'node:path';
import { DroverError } from '../errors.js';
import type { Host } from '../transport/host.js';
import { shellQuote } from '../transport/shell.js';
import { lockHeld, type HeldLock } from './local-lock.js';
import { isStale, parseLockOwner, type LockOwner } from './lock-owner.js';
import { REMOTE_LOCK_DIR } from './paths.js';


/**
 * The cluster-wide lock: a directory made with plain `mkdir` (atomic, fails if it exists) on the
 * first control-plane/etcd node, so two laptops or CI jobs cannot run against one cluster.
 * The owner record is written inside right after; a lock without one reads as "unknown".
 */
export async function acquireRemoteLock(
  host: Host,
  owner: LockOwner,
  opts: { forceUnlock?: boolean; dir?: string } = {},
): Promise<HeldLock> {
  const dir = opts.dir ?? REMOTE_LOCK_DIR;
  const ownerFile = posix.join(dir, 'owner.json');
  await host.mkdir(posix.dirname(dir), { mode: 0o700 });
  const tryMkdir = async (): Promise<boolean> => {
    const result = await host.exec(`mkdir -m 700 ${shellQuote(dir)}`, { sudo: true });
    if (result.code === 0) return true;
    if (await host.exists(dir)) return false;
    throw new DroverError(`cannot create the lock ${dir} on ${host.address}: ${result.stderr.trim() || `exit ${result.code}`}`, {
      hint: `the SSH user needs root or passwordless sudo on ${host.address}`,
    });
  };
  const readHolder = async (): Promise<LockOwner | undefined> =>
    parseLockOwner((await host.getFile(ownerFile).catch(() => Buffer.alloc(0))).toString('utf8'));

  let acquired = await tryMkdir();
  if (!acquired) {
    const holder = await readHolder();
    // As for the local lock: a dead holder on this machine is taken over without --force-unlock.
    if (!opts.forceUnlock && !(holder && isStale(holder))) throw lockHeld(`${host.address}:${dir}`, holder);
    await host.remove(dir, { recursive: true });
    acquired = await tryMkdir();
    if (!acquired) throw lockHeld(`${host.address}:${dir}`, await readHolder());
  }
  await host.putFile(ownerFile, JSON.stringify(owner, null, 2) + '\n', { mode: 0o600 });
  const release = async (): Promise<void> => {
    if ((await readHolder())?.runId === owner.runId) await host.remove(dir, { recursive: true });
  };
  return { owner, release, [Symbol.asyncDispose]: release };
}
