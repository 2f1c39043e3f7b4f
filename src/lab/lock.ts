import { open, readFile, unlink, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LockHeldError } from '../errors.js';
import { sleep } from './proc.js';

/**
 * A lock file holding the owner's PID, for lab operations that must not interleave (two `up`s of
 * one lab, or two labs picking a subnet). A lock whose owner is dead is taken over.
 */
export async function withLock<T>(path: string, what: string, fn: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o644);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const text = (await readFile(path, 'utf8').catch(() => '')).trim();
      const owner = Number(text);
      // An empty file is a lock being taken right now: wait rather than break it.
      if (text !== '' && !ownerAlive(owner)) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) throw new LockHeldError(`${what} is busy (held by PID ${owner})`, `wait for it, or remove ${path} if PID ${owner} is not drover`);
      await sleep(100);
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}

function ownerAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
