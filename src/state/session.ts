import { StateStore } from './store.js';
import { resolveStateKey } from './encryption.js';
import { acquireLocalLock, type HeldLock } from './local-lock.js';
import { currentLockOwner } from './lock-owner.js';
import { lockPathFor, statePathFor } from './paths.js';

/** The local half of a run that changes a cluster: the state store, held under the local lock. */
export interface LocalStateSession extends AsyncDisposable {
  readonly store: StateStore;
  readonly lock: HeldLock;
}

/**
 * Lock, then open the state of the cluster file at `configPath` (absolute). Use with `await using`
 * so the lock goes away on every exit path. The remote lock on the first control-plane node is
 * taken separately once SSH is up (acquireRemoteLock).
 */
export async function openLocalState(
  configPath: string,
  ctx: { env: Readonly<Record<string, string | undefined>>; cwd: string },
  opts: { command: string; forceUnlock?: boolean },
): Promise<LocalStateSession> {
  const statePath = statePathFor(configPath);
  const key = await resolveStateKey(ctx.env, ctx.cwd);
  const lock = await acquireLocalLock(lockPathFor(statePath), currentLockOwner(opts.command), { forceUnlock: opts.forceUnlock ?? false });
  return { store: new StateStore(statePath, key), lock, [Symbol.asyncDispose]: () => lock.release() };
}
