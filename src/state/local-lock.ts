import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { LockHeldError } from '../errors.js';
import { describeOwner, isStale, parseLockOwner, type LockOwner } from './lock-owner.js';

export interface HeldLock {
  readonly owner: LockOwner;
  release(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A lock file beside the state. The owner record is written to a private temporary file and
 * hard-linked into place: link() fails if the lock exists, and a lock that exists is always
 * complete (no window where another run reads an empty owner).
 */
export async function acquireLocalLock(lockPath: string, owner: LockOwner, opts: { forceUnlock?: boolean } = {}): Promise<HeldLock> {
  const tmp = `${lockPath}.${owner.runId}.tmp`;
  await writeFile(tmp, JSON.stringify(owner, null, 2) + '\n', { mode: 0o600 });
  try {
    if (await tryLink(tmp, lockPath)) return heldLocal(lockPath, owner);
    const holder = await readHolder(lockPath);
    // A holder on this machine whose process is gone (kill -9, a crash) cannot come back for
    // it: take it over, so `--resume` after a kill just works. Elsewhere only --force-unlock can.
    if (opts.forceUnlock || (holder && isStale(holder) && (await readHolder(lockPath))?.runId === holder.runId)) {
      await rm(lockPath, { force: true });
      if (await tryLink(tmp, lockPath)) return heldLocal(lockPath, owner);
      throw lockHeld(lockPath, await readHolder(lockPath));
    }
    throw lockHeld(lockPath, holder);
  } finally {
    await rm(tmp, { force: true });
  }
}

async function tryLink(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // File systems without hard links (some network and FAT mounts): exclusive create instead,
    // accepting the short window in which the lock exists without its owner written.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return tryExclusiveCreate(from, to);
    throw err;
  }
}

async function tryExclusiveCreate(from: string, to: string): Promise<boolean> {
  try {
    await writeFile(to, await readFile(from), { flag: 'wx', mode: 0o600 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

async function readHolder(lockPath: string): Promise<LockOwner | undefined> {
  return parseLockOwner(await readFile(lockPath, 'utf8').catch(() => ''));
}

export function lockHeld(where: string, holder: LockOwner | undefined): LockHeldError {
  const stale = holder !== undefined && isStale(holder);
  const message = `the cluster is locked by ${describeOwner(holder)}${stale ? ', which is no longer running' : ''} (${where})`;
  return new LockHeldError(
    message,
    stale
      ? 'that run died and left the lock behind: run again with --force-unlock to take it over'
      : 'wait for that run to finish; if you are sure it is dead, run again with --force-unlock',
  );
}

function heldLocal(lockPath: string, owner: LockOwner): HeldLock {
  const release = async (): Promise<void> => {
    // Only remove our own lock: after a --force-unlock by someone else it is theirs.
    if ((await readHolder(lockPath))?.runId === owner.runId) await rm(lockPath, { force: true });
  };
  return { owner, release, [Symbol.asyncDispose]: release };
}
