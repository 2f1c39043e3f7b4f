import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileJournal } from '../../../src/executor/index.js';

/**
 * Syncs held back by the test: each records how many bytes the file had when it started
 * (what it makes durable), and completes only when the test says so.
 */
function heldSyncs(path: string) {
  const calls: { coversBytes: number; complete: (err?: Error) => void }[] = [];
  let durableBytes = 0;
  const datasync = (_fd: number, done: (err: Error | null) => void): void => {
    const coversBytes = readFileSync(path).length;
    calls.push({
      coversBytes,
      complete: (err) => {
        if (!err) durableBytes = Math.max(durableBytes, coversBytes);
        done(err ?? null);
      },
    });
  };
  return { calls, datasync, durable: () => durableBytes };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('FileJournal group commit', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('resolves a line only after a sync that started after the line was written', async () => {
    dir = await mkdtemp(join(tmpdir(), 'drover-journal-file-'));
    const path = join(dir, 'j');
    const syncs = heldSyncs(path);
    const journal = new FileJournal(path, { datasync: syncs.datasync });
    await journal.reset('header\n');
    const lines = Array.from({ length: 6 }, (_, i) => `line ${i}\n`);
    const resolvedAt = new Map<number, number>();
    let end = 'header\n'.length;
    const ends = lines.map((l) => (end += l.length));
    const append = (i: number): void => void journal.append(lines[i]!).then(() => resolvedAt.set(i, syncs.durable()));

    // Lines appended in one turn of the event loop are written together at its end, one sync.
    append(0);
    append(1);
    expect(readFileSync(path, 'utf8')).toBe('header\n');
    await flush();
    expect(readFileSync(path, 'utf8')).toBe('header\n' + lines[0] + lines[1]);
    expect(syncs.calls).toHaveLength(1);
    // A second sync may run at once; a third batch waits for a free slot.
    append(2);
    await flush();
    expect(syncs.calls).toHaveLength(2);
    append(3);
    append(4);
    await flush();
    expect(syncs.calls).toHaveLength(2);
    syncs.calls[1]!.complete();
    await flush();
    expect([...resolvedAt.keys()]).toEqual([2]);
    // The freed slot took lines 3 and 4: one write, one sync (and one promise).
    expect(readFileSync(path, 'utf8')).toBe('header\n' + lines.slice(0, 5).join(''));
    expect(syncs.calls).toHaveLength(3);
    append(5);
    syncs.calls[0]!.complete();
    await flush();
    expect([...resolvedAt.keys()].sort()).toEqual([0, 1, 2]);
    syncs.calls[2]!.complete();
    await flush();
    syncs.calls[3]!.complete();
    await flush();
    expect(resolvedAt.size).toBe(6);
    for (const [i, durable] of resolvedAt) expect(durable, `line ${i}`).toBeGreaterThanOrEqual(ends[i]!);
    await journal.close();
  });

  it('after a failed sync, waiting and later lines fail too (nothing lands after a torn write)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'drover-journal-file-'));
    const path = join(dir, 'j');
    const syncs = heldSyncs(path);
    const journal = new FileJournal(path, { datasync: syncs.datasync });
    await journal.reset('');
    const results: Promise<string>[] = [];
    for (const line of ['a\n', 'b\n', 'c\n']) {
      results.push(journal.append(line).then(() => 'ok', (e: Error) => e.message));
      await flush();
    }
    syncs.calls[0]!.complete(new Error('EIO: i/o error'));
    syncs.calls[1]!.complete();
    expect(await Promise.all(results)).toEqual(['EIO: i/o error', 'ok', 'EIO: i/o error']);
    await expect(journal.append('d\n')).rejects.toThrow('EIO');
    await journal.reset('fresh\n');
    const afterReset = journal.append('e\n');
    await flush();
    syncs.calls.at(-1)!.complete();
    await expect(afterReset).resolves.toBeUndefined();
    await journal.close();
  });

  it('close waits for syncs in flight', async () => {
    dir = await mkdtemp(join(tmpdir(), 'drover-journal-file-'));
    const path = join(dir, 'j');
    const syncs = heldSyncs(path);
    const journal = new FileJournal(path, { datasync: syncs.datasync });
    void journal.append('a\n');
    let closed = false;
    const closing = journal.close().then(() => (closed = true));
    await flush();
    await flush();
    expect(closed).toBe(false);
    expect(syncs.calls).toHaveLength(1);
    syncs.calls[0]!.complete();
    await closing;
    expect(closed).toBe(true);
  });

  it.runIf(existsSync('/dev/shm'))('does not sync on tmpfs, where there is no device', async () => {
    dir = await mkdtemp('/dev/shm/drover-journal-file-');
    const journal = new FileJournal(join(dir, 'j'));
    expect(journal.syncsToDevice).toBe(false);
    await journal.append('a\n');
    await journal.close();
    expect(await journal.read()).toBe('a\n');
  });
});
