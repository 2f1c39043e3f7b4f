import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockHeldError } from '../../../src/errors.js';
import { acquireLocalLock, currentLockOwner, type LockOwner } from '../../../src/state/index.js';

let dir: string;
let lockPath: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'drover-lock-'));
  lockPath = join(dir, 'cluster.droverstate.lock');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function heldError(p: Promise<unknown>): Promise<LockHeldError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(LockHeldError);
  expect((err as LockHeldError).exitCode).toBe(3);
  return err as LockHeldError;
}

/** A pid that certainly belongs to no running process: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

describe('local lock', () => {
  it('lets one run in, refuses the second naming the holder, and frees on release', async () => {
    const first = await acquireLocalLock(lockPath, currentLockOwner('up'));
    expect((await stat(lockPath)).mode & 0o777).toBe(0o600);
    const err = await heldError(acquireLocalLock(lockPath, currentLockOwner('remove')));
    expect(err.message).toContain(`pid ${process.pid}`);
    expect(err.message).toContain(hostname());
    expect(err.message).toContain('`drover up`');
    expect(err.message).toContain(first.owner.runId);
    expect(err.hint).toMatch(/wait/);
    await first.release();
    const second = await acquireLocalLock(lockPath, currentLockOwner('remove'));
    await second.release();
    await expect(stat(lockPath)).rejects.toThrow();
  });

  it('works with `await using`', async () => {
    {
      await using _lock = await acquireLocalLock(lockPath, currentLockOwner('up'));
      await heldError(acquireLocalLock(lockPath, currentLockOwner('up')));
    }
    await (await acquireLocalLock(lockPath, currentLockOwner('up'))).release();
  });

  it('takes over a lock left by a dead process of this machine (kill -9), so --resume just works', async () => {
    const dead: LockOwner = { ...currentLockOwner('up'), pid: await deadPid() };
    await writeFile(lockPath, JSON.stringify(dead));
    const taken = await acquireLocalLock(lockPath, currentLockOwner('up'));
    expect(JSON.parse(await readFile(lockPath, 'utf8')).runId).toBe(taken.owner.runId);
    await taken.release();
  });

  it('takes over a live holder\'s lock only with --force-unlock', async () => {
    const holder = await acquireLocalLock(lockPath, currentLockOwner('up'));
    await heldError(acquireLocalLock(lockPath, currentLockOwner('up')));
    const taken = await acquireLocalLock(lockPath, currentLockOwner('up'), { forceUnlock: true });
    expect(JSON.parse(await readFile(lockPath, 'utf8')).runId).toBe(taken.owner.runId);
    await holder.release();
    await taken.release();
  });

  it('does not call a live holder on another host stale', async () => {
    await writeFile(lockPath, JSON.stringify({ ...currentLockOwner('up'), host: 'ci-runner-7', pid: 1 }));
    const err = await heldError(acquireLocalLock(lockPath, currentLockOwner('up')));
    expect(err.message).toContain('ci-runner-7');
    expect(err.message).not.toMatch(/no longer running/);
  });

  it('reports an unreadable lock as held by an unknown run', async () => {
    await writeFile(lockPath, '');
    const err = await heldError(acquireLocalLock(lockPath, currentLockOwner('up')));
    expect(err.message).toMatch(/unknown run/);
  });

  it('leaves a lock alone on release once another run has forced it', async () => {
    const mine = await acquireLocalLock(lockPath, currentLockOwner('up'));
    const theirs = await acquireLocalLock(lockPath, currentLockOwner('up'), { forceUnlock: true });
    await mine.release();
    expect(JSON.parse(await readFile(lockPath, 'utf8')).runId).toBe(theirs.owner.runId);
    await theirs.release();
  });
});

describe('local lock across real processes', () => {
  interface Outcome {
    pid: number;
    acquired: boolean;
    exitCode?: number;
    message?: string;
  }

  /** Resolves with the racer's report as soon as it prints it; `exited` when the process ends. */
  function racer(startAt: number): { report: Promise<Outcome>; exited: Promise<void> } {
    const script = join(import.meta.dirname, 'fixtures', 'lock-racer.mjs');
    const child = spawn(process.execPath, [script, lockPath, String(startAt)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let errText = '';
    let resolveReport: (o: Outcome) => void = () => {};
    const report = new Promise<Outcome>((resolve) => (resolveReport = resolve));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolveReport(JSON.parse(out.split('\n')[0]!) as Outcome);
    });
    child.stderr.on('data', (d: Buffer) => (errText += d.toString()));
    const exited = new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`racer exited ${code}: ${errText}`))));
    });
    return { report: Promise.race([report, exited.then(() => Promise.reject(new Error(`racer printed nothing: ${errText}`)))]), exited };
  }

  it('lets exactly one of four processes starting together hold the lock; the others name it', async () => {
    // Start far enough ahead that every process is loaded and spinning before the gun.
    const startAt = Date.now() + 1500;
    const racers = [0, 1, 2, 3].map(() => racer(startAt));
    const outcomes = await Promise.all(racers.map((r) => r.report));
    await writeFile(`${lockPath}.done`, '');
    await Promise.all(racers.map((r) => r.exited));
    const winners = outcomes.filter((o) => o.acquired);
    expect(winners).toHaveLength(1);
    for (const loser of outcomes.filter((o) => !o.acquired)) {
      expect(loser.exitCode).toBe(3);
      expect(loser.message).toContain(`pid ${winners[0]!.pid}`);
    }
    await expect(stat(lockPath)).rejects.toThrow(); // the winner released it
  });
});

describe('local state session', () => {
  it('holds the lock beside the state while open and releases it on dispose', async () => {
    const { openLocalState } = await import('../../../src/state/index.js');
    const config = join(dir, 'cluster.yml');
    {
      await using session = await openLocalState(config, { env: {}, cwd: dir }, { command: 'up' });
      expect(session.store.path).toBe(join(dir, 'cluster.droverstate'));
      expect(JSON.parse(await readFile(join(dir, 'cluster.droverstate.lock'), 'utf8')).command).toBe('up');
      const err = await heldError(openLocalState(config, { env: {}, cwd: dir }, { command: 'remove' }));
      expect(err.message).toContain('`drover up`');
    }
    await expect(stat(join(dir, 'cluster.droverstate.lock'))).rejects.toThrow();
  });
});
