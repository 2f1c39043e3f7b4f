import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReadyQueue } from '../../../src/executor/ready-queue.js';
import type { Task } from '../../../src/executor/index.js';

/**
 * The rules of ReadyQueue written as plainly as possible (a scan of every host per take):
 * the heap in ready-queue.ts must choose exactly what this chooses.
 */
class ScanQueue {
  private readonly lanes = new Map<string, { limited: boolean; running: number; lastStart: number; ready: { task: number; priority: number; seq: number }[] }>();
  private seq = 0;
  private starts = 0;
  constructor(
    private readonly tasks: readonly Task[],
    private readonly priority: readonly number[],
    private readonly limit: number,
  ) {}
  private lane(t: number) {
    const host = this.tasks[t]!.host;
    const key = host ?? '(cluster)';
    if (!this.lanes.has(key)) this.lanes.set(key, { limited: host !== undefined, running: 0, lastStart: 0, ready: [] });
    return this.lanes.get(key)!;
  }
  push(t: number): void {
    this.lane(t).ready.push({ task: t, priority: this.priority[t]!, seq: this.seq++ });
  }
  finished(t: number): void {
    this.lane(t).running--;
  }
  take(): number | undefined {
    type Entry = { task: number; priority: number; seq: number };
    const best = (l: { ready: Entry[] }): Entry =>
      [...l.ready].sort((a, b) => b.priority - a.priority || a.seq - b.seq)[0]!;
    const candidates = [...this.lanes.values()].filter((l) => l.ready.length > 0 && !(l.limited && l.running >= this.limit));
    candidates.sort(
      (a, b) => a.running - b.running || best(b).priority - best(a).priority || a.lastStart - b.lastStart || best(a).seq - best(b).seq,
    );
    const lane = candidates[0];
    if (!lane) return undefined;
    const entry = best(lane);
    lane.ready.splice(lane.ready.indexOf(entry), 1);
    lane.running++;
    lane.lastStart = ++this.starts;
    return entry.task;
  }
}

const opsArb = fc.record({
  hosts: fc.array(fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { nil: undefined }), { minLength: 1, maxLength: 40 }),
  priorities: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 40, maxLength: 40 }),
  limit: fc.integer({ min: 1, max: 3 }),
  // 0: push the next task, 1: take, 2: finish a running task (the k-th, modulo)
  steps: fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.nat()), { maxLength: 150 }),
});

describe('ReadyQueue', () => {
  it('chooses exactly what a scan of every host by the same rules chooses', () => {
    fc.assert(
      fc.property(opsArb, ({ hosts, priorities, limit, steps }) => {
        const tasks: Task[] = hosts.map((host, i) => ({ id: `t${i}`, ...(host ? { host } : {}), deps: [], title: `t${i}`, fingerprint: '', run: async () => {} }));
        const heap = new ReadyQueue(tasks, priorities, limit);
        const scan = new ScanQueue(tasks, priorities, limit);
        const running: number[] = [];
        let next = 0;
        let queued = 0;
        for (const [op, k] of steps) {
          if (op === 0 && next < tasks.length) {
            heap.push(next);
            scan.push(next);
            next++;
            queued++;
          } else if (op === 1) {
            const a = heap.take();
            expect(a).toBe(scan.take());
            if (a !== undefined) {
              running.push(a);
              queued--;
            }
          } else if (op === 2 && running.length > 0) {
            const [t] = running.splice(k % running.length, 1);
            heap.finished(t!);
            scan.finished(t!);
          }
          expect(heap.length).toBe(queued);
        }
      }),
      { numRuns: 300 },
    );
  });
});
