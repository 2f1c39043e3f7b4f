import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';

/** Who holds a lock: enough for a user to find that run, and for drover to see it died. */
export interface LockOwner {
  runId: string;
  user: string;
  host: string;
  pid: number;
  startedAt: string;
  command: string;
}

export function currentLockOwner(command: string, now: Date = new Date()): LockOwner {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): keep "unknown"
  }
  return { runId: randomUUID(), user, host: hostname(), pid: process.pid, startedAt: now.toISOString(), command };
}

export function parseLockOwner(text: string): LockOwner | undefined {
  try {
    const doc = JSON.parse(text) as Partial<LockOwner>;
    if (typeof doc.runId !== 'string' || typeof doc.pid !== 'number' || typeof doc.host !== 'string') return undefined;
    return {
      runId: doc.runId,
      user: String(doc.user ?? 'unknown'),
      host: doc.host,
      pid: doc.pid,
      startedAt: String(doc.startedAt ?? '?'),
      command: String(doc.command ?? '?'),
    };
  } catch {
    return undefined;
  }
}

/** A holder on this machine whose process is gone left the lock behind. */
export function isStale(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return false; // cannot see processes elsewhere
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export function describeOwner(owner: LockOwner | undefined): string {
  if (!owner) return 'an unknown run (the lock has no readable owner)';
  return `${owner.user}@${owner.host} (pid ${owner.pid}, \`drover ${owner.command}\`, since ${owner.startedAt}, run ${owner.runId})`;
}
