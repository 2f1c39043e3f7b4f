import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LockHeldError } from '../../../src/errors.js';

// A file system without hard links: link() fails with EPERM as it does on FAT and some NFS mounts.
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const link = async (): Promise<never> => {
    throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
  };
  return { ...real, link, default: { ...real, link } };
});

const { acquireLocalLock, currentLockOwner } = await import('../../../src/state/index.js');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'drover-nolink-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('local lock without hard links', () => {
  it('falls back to an exclusive create and still refuses a second run', async () => {
    const fs = await import('node:fs/promises');
    await expect(fs.link(__filename, join(dir, 'x'))).rejects.toThrow(/EPERM/); // the mock is in force
    const lockPath = join(dir, 'cluster.droverstate.lock');
    const first = await acquireLocalLock(lockPath, currentLockOwner('up'));
    expect(JSON.parse(await readFile(lockPath, 'utf8')).runId).toBe(first.owner.runId);
    await expect(acquireLocalLock(lockPath, currentLockOwner('up'))).rejects.toBeInstanceOf(LockHeldError);
    await first.release();
    const second = await acquireLocalLock(lockPath, currentLockOwner('up'));
    await second.release();
  });
});
