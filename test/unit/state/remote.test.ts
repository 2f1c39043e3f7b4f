import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { DroverError, LockHeldError } from '../../../src/errors.js';
import { StateReplica, acquireRemoteLock, currentLockOwner, REMOTE_LOCK_DIR, REMOTE_STATE_PATH } from '../../../src/state/index.js';
import { shellQuote } from '../../../src/transport/shell.js';
import { MemoryHost } from '../../fakes/memory-host.js';

async function heldError(p: Promise<unknown>): Promise<LockHeldError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(LockHeldError);
  expect((err as LockHeldError).exitCode).toBe(3);
  return err as LockHeldError;
}

describe('remote lock on the first control-plane node', () => {
  it('is a directory made with plain mkdir holding the owner record', async () => {
    const host = new MemoryHost('10.250.0.11');
    const lock = await acquireRemoteLock(host, currentLockOwner('up'));
    expect(host.commands).toEqual([`mkdir -m 700 ${shellQuote(REMOTE_LOCK_DIR)}`]);
    const record = host.files.get(`${REMOTE_LOCK_DIR}/owner.json`)!;
    expect(record.mode).toBe(0o600);
    expect(JSON.parse(record.content.toString()).runId).toBe(lock.owner.runId);
    await lock.release();
    expect(await host.exists(REMOTE_LOCK_DIR)).toBe(false);
  });

  it('refuses a second run with exit 3 naming the holder and the node', async () => {
    const host = new MemoryHost('10.250.0.11');
    const first = await acquireRemoteLock(host, { ...currentLockOwner('up'), host: 'laptop-of-alice', user: 'alice' });
    const err = await heldError(acquireRemoteLock(host, currentLockOwner('up')));
    expect(err.message).toContain('alice@laptop-of-alice');
    expect(err.message).toContain(`10.250.0.11:${REMOTE_LOCK_DIR}`);
    await first.release();
  });

  it('lets exactly one of many concurrent runs in', async () => {
    const host = new MemoryHost('10.250.0.11');
    const attempts = await Promise.allSettled(Array.from({ length: 8 }, () => acquireRemoteLock(host, currentLockOwner('up'))));
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    for (const a of attempts) if (a.status === 'rejected') expect(a.reason).toBeInstanceOf(LockHeldError);
  });

  it('takes over with --force-unlock, and the old holder’s release leaves the new lock', async () => {
    const host = new MemoryHost('10.250.0.11');
    const old = await acquireRemoteLock(host, currentLockOwner('up'));
    const taken = await acquireRemoteLock(host, currentLockOwner('up'), { forceUnlock: true });
    await old.release();
    expect(JSON.parse(host.files.get(`${REMOTE_LOCK_DIR}/owner.json`)!.content.toString()).runId).toBe(taken.owner.runId);
    await taken.release();
  });

  it('takes over a lock whose holder was a process of this machine that is gone (kill -9)', async () => {
    const host = new MemoryHost('10.250.0.11');
    await host.mkdir(REMOTE_LOCK_DIR);
    await host.putFile(`${REMOTE_LOCK_DIR}/owner.json`, JSON.stringify({ ...currentLockOwner('up'), host: hostname(), pid: 2 ** 22 + 12345 }));
    const lock = await acquireRemoteLock(host, currentLockOwner('up'));
    expect(JSON.parse(host.files.get(`${REMOTE_LOCK_DIR}/owner.json`)!.content.toString()).runId).toBe(lock.owner.runId);
    await lock.release();
  });

  it('does not take over a lock held from another machine without --force-unlock', async () => {
    const host = new MemoryHost('10.250.0.11');
    await host.mkdir(REMOTE_LOCK_DIR);
    await host.putFile(`${REMOTE_LOCK_DIR}/owner.json`, JSON.stringify({ ...currentLockOwner('up'), host: 'ci-runner-7', pid: 2 ** 22 + 12345 }));
    const err = await heldError(acquireRemoteLock(host, currentLockOwner('up')));
    expect(err.message).toContain('ci-runner-7');
  });

  it('reports a node it cannot lock on as a failure with its stderr, not as a held lock', async () => {
    class NoSudoHost extends MemoryHost {
      override async exec() {
        return { code: 1, stdout: '', stderr: "mkdir: cannot create directory '/var/lib/drover/lock': Permission denied\n" };
      }
    }
    const failure = await acquireRemoteLock(new NoSudoHost('10.250.0.11'), currentLockOwner('up')).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DroverError);
    expect(failure).not.toBeInstanceOf(LockHeldError);
    expect((failure as DroverError).message).toBe(`cannot create the lock ${REMOTE_LOCK_DIR} on 10.250.0.11: mkdir: cannot create directory '/var/lib/drover/lock': Permission denied`);
    expect((failure as DroverError).hint).toMatch(/sudo/);
  });

  it('quotes paths for the shell', () => {
    expect(shellQuote("/var/lib/it's")).toBe(`'/var/lib/it'\\''s'`);
  });
});

describe('state replica on the control-plane nodes', () => {
  const state = (generation: number) =>
    JSON.stringify({ drover: 'drover-cluster-state', generation, savedAt: `2026-01-0${generation}T00:00:00Z`, schemaVersion: 1, versions: {} });

  it('stores the exact text at 0600 on every node and reads the newest copy back', async () => {
    const hosts = ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((a) => new MemoryHost(a));
    const replica = new StateReplica(hosts);
    expect(await replica.push(state(1))).toEqual({ stored: ['10.0.0.1', '10.0.0.2', '10.0.0.3'], failed: [] });
    expect(hosts[0]!.files.get(REMOTE_STATE_PATH)!.mode).toBe(0o600);
    await new StateReplica([hosts[1]!]).push(state(2));
    const newest = await replica.pullNewest();
    expect(newest).toMatchObject({ address: '10.0.0.2', generation: 2, text: state(2) });
    expect((await replica.list()).map((c) => c.generation)).toEqual([2, 1, 1]);
  });

  it('carries on past an unreachable node and skips copies that are not drover state', async () => {
    const hosts = ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((a) => new MemoryHost(a));
    hosts[1]!.failing = true;
    const result = await new StateReplica(hosts).push(state(4));
    expect(result.stored).toEqual(['10.0.0.1', '10.0.0.3']);
    expect(result.failed).toEqual([{ address: '10.0.0.2', error: '10.0.0.2: connection refused' }]);
    await hosts[2]!.putFile(REMOTE_STATE_PATH, 'garbage');
    expect((await new StateReplica(hosts).list()).map((c) => c.address)).toEqual(['10.0.0.1']);
    expect(await new StateReplica([new MemoryHost('10.0.0.9')]).pullNewest()).toBeUndefined();
  });
});
