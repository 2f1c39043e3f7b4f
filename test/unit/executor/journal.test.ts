import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { recordLine } from '../../../src/executor/journal-format.js';
import { FileJournal, JournalError, MemoryJournal, execute, parseJournal, type ExecutorEvent } from '../../../src/executor/index.js';
import { FakeWorld, fakeTask } from '../../fakes/fake-tasks.js';
import { VirtualClock } from '../../fakes/virtual-clock.js';

function chain(world: FakeWorld, fingerprints: Record<string, string> = {}) {
  return {
    tasks: ['a', 'b', 'c'].map((id, i) =>
      fakeTask(world, { id, host: 'n1', deps: i === 0 ? [] : [['a', 'b', 'c'][i - 1]!], ...(fingerprints[id] ? { fingerprint: fingerprints[id] } : {}) }),
    ),
  };
}

async function runWith(journal: MemoryJournal | FileJournal, opts: { resume?: boolean; fingerprints?: Record<string, string>; identity?: string } = {}) {
  const clock = new VirtualClock();
  const world = new FakeWorld(clock);
  const events: ExecutorEvent[] = [];
  const result = await clock.run(
    execute(chain(world, opts.fingerprints), { clock, journal, identity: opts.identity ?? 'cluster.yml', resume: opts.resume ?? false, onEvent: (e) => events.push(e), runId: 'r1' }),
  );
  const logs = events.flatMap((e) => (e.type === 'log' ? [e.message] : []));
  return { world, result, events, logs };
}

describe('journal format', () => {
  it('writes a header, one line per finished task and an end line', async () => {
    const journal = new MemoryJournal();
    await runWith(journal);
    expect(journal.text.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { journal: 'drover', v: 1, identity: 'cluster.yml', runId: 'r1', resume: false },
      { id: 'a', fingerprint: 'fp-a', status: 'done', ms: 10 },
      { id: 'b', fingerprint: 'fp-b', status: 'done', ms: 10 },
      { id: 'c', fingerprint: 'fp-c', status: 'done', ms: 10 },
      { end: 'ok', runId: 'r1' },
    ]);
  });

  it('a record line is exactly the JSON of the record, whatever its strings hold', () => {
    // Characters JSON escapes (quote, backslash, controls, a lone surrogate) and some it keeps.
    const text = fc.string({ unit: fc.constantFrom('a', '"', '\\', '\n', '\u0001', '\u2028', '\ud800', 'é', '😀') });
    fc.assert(
      fc.property(text, text, fc.constantFrom('done' as const, 'failed' as const), fc.double(), (id, fingerprint, status, ms) => {
        const r = { id, fingerprint, status, ms };
        expect(recordLine(r)).toBe(JSON.stringify(r) + '\n');
      }),
    );
  });

  it('skips a torn last line and garbage instead of crashing', () => {
    const text = '{"journal":"drover","v":1,"identity":"x","runId":"r","resume":false}\n{"id":"a","fingerprint":"f","status":"done","ms":1}\nnot json\n{"id":"b","finger';
    const state = parseJournal(text);
    expect([...state.done]).toEqual([['a', 'f']]);
    expect(state.badLines).toBe(2);
    expect(state.lastRun).toBe('unfinished');
  });

  it('a later failure of a task forgets its earlier done record', () => {
    const text = ['{"journal":"drover","v":1,"identity":"x","runId":"r","resume":false}', '{"id":"a","fingerprint":"f","status":"done","ms":1}', '{"id":"a","fingerprint":"f","status":"failed","ms":1}', ''].join('\n');
    expect(parseJournal(text).done.size).toBe(0);
  });
});

describe('resume', () => {
  it('skips tasks done with the same fingerprint and re-runs changed ones', async () => {
    const journal = new MemoryJournal();
    await runWith(journal);
    const again = await runWith(journal, { resume: true, fingerprints: { b: 'fp-b-changed' } });
    expect([...again.world.runCalls.keys()]).toEqual(['b']);
    expect(again.result.totals).toMatchObject({ done: 1, skipped: 2 });
    expect(again.events.filter((e) => e.type === 'task-skipped').map((e) => e.id)).toEqual(['a', 'c']);
  });

  it('ignores a journal written for another configuration', async () => {
    const journal = new MemoryJournal();
    await runWith(journal, { identity: 'other.yml' });
    const again = await runWith(journal, { resume: true });
    expect(again.world.runCalls.size).toBe(3);
    expect(again.logs.join('\n')).toContain('belongs to another configuration (other.yml)');
    expect(parseJournal(journal.text).identity).toBe('cluster.yml');
  });

  it('resumes after a torn last line, and the header it appends stays readable', async () => {
    const journal = new MemoryJournal(
      '{"journal":"drover","v":1,"identity":"cluster.yml","runId":"r0","resume":false}\n{"id":"a","fingerprint":"fp-a","status":"done","ms":3}\n{"id":"b","fing',
    );
    const again = await runWith(journal, { resume: true });
    expect([...again.world.runCalls.keys()]).toEqual(['b', 'c']);
    expect(again.logs.join('\n')).toContain('ignored 1 unreadable line');
    const state = parseJournal(journal.text);
    expect(state.lastRun).toBe('ok');
    expect(state.done.size).toBe(3);
  });

  it('a fresh run after a failed one says a resume is possible', async () => {
    const journal = new MemoryJournal(
      '{"journal":"drover","v":1,"identity":"cluster.yml","runId":"r0","resume":false}\n{"id":"a","fingerprint":"fp-a","status":"done","ms":3}\n{"id":"b","fingerprint":"fp-b","status":"failed","ms":3}\n{"end":"failed","runId":"r0"}\n',
    );
    const fresh = await runWith(journal);
    expect(fresh.logs.join('\n')).toMatch(/previous run stopped before the end \(failed, 1 task\(s\) done\); --resume would continue it/);
    expect(fresh.world.runCalls.size).toBe(3);
    const after = await runWith(journal);
    expect(after.logs.join('\n')).not.toContain('--resume');
  });
});

describe('an unusable journal', () => {
  it('fails before any event or task, with a DroverError naming the journal', async () => {
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    const journal = new MemoryJournal('', '/ro/.cluster.journal');
    journal.reset = () => Promise.reject(Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' }));
    const events: ExecutorEvent[] = [];
    const err = await clock.run(execute(chain(world), { clock, journal, onEvent: (e) => events.push(e) })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JournalError);
    expect((err as Error).message).toBe('cannot use the journal /ro/.cluster.journal: EROFS: read-only file system');
    expect(events).toEqual([]);
    expect(world.runCalls.size).toBe(0);
  });

  it('a write failing mid-run stops new work at once and fails the run naming the journal', async () => {
    const clock = new VirtualClock();
    const world = new FakeWorld(clock);
    const journal = new MemoryJournal();
    const append = journal.append.bind(journal);
    journal.append = (text: string) => (text.includes('"id":"a"') ? Promise.reject(new Error('ENOSPC: no space left on device')) : append(text));
    const result = await clock.run(execute(chain(world), { clock, journal }));
    expect(result).toMatchObject({ ok: false, exitCode: 1, failed: [{ id: '(journal)', error: { message: 'cannot write the journal: ENOSPC: no space left on device' } }] });
    // b starts as soon as a is done, while a's line is being written; once the write has
    // failed nothing new starts: c never runs, and b's line is not written after the failure.
    expect(result.totals).toMatchObject({ failed: 0, notRun: 1 });
    expect(world.runCalls.has('b')).toBe(true);
    expect(world.runCalls.has('c')).toBe(false);
    expect(parseJournal(journal.text).done.size).toBe(0);
  });
});

describe('FileJournal', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('appends durable lines to a 0600 file and reads them back for resume', async () => {
    dir = await mkdtemp(join(tmpdir(), 'drover-journal-'));
    const path = join(dir, '.cluster.journal');
    const first = await runWith(new FileJournal(path));
    expect(first.result.ok).toBe(true);
    const text = await readFile(path, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(5);
    const { stat } = await import('node:fs/promises');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const again = await runWith(new FileJournal(path), { resume: true });
    expect(again.world.runCalls.size).toBe(0);
    expect(again.result.totals.skipped).toBe(3);
  });

  it('treats a missing file as empty and groups concurrent appends', async () => {
    dir = await mkdtemp(join(tmpdir(), 'drover-journal-'));
    const journal = new FileJournal(join(dir, 'j'));
    expect(await journal.read()).toBe('');
    await Promise.all(Array.from({ length: 50 }, (_, i) => journal.append(`${i}\n`)));
    await journal.close();
    expect((await journal.read()).split('\n').filter(Boolean).map(Number)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    await writeFile(join(dir, 'j'), '');
  });
});
