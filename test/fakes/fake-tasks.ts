import type { Task, TaskChange, TaskContext } from '../../src/executor/task.js';
import type { Clock } from '../../src/executor/clock.js';

/**
 * Models the nodes a task graph acts on, as far as the executor can tell: each fake task
 * "does I/O" by sleeping on the injected clock, then applies one effect (counted per task).
 * The world watches concurrency (global and per host), the order of starts and finishes, and
 * can "crash": after a crash no effect lands any more, like a killed process whose in-flight
 * work never completed. Not modelled: partial effects inside one task (tasks are idempotent).
 */
export class FakeWorld {
  crashed = false;
  readonly effects = new Map<string, number>();
  readonly starts: string[] = [];
  readonly finishes: string[] = [];
  running = 0;
  maxRunning = 0;
  readonly runningPerHost = new Map<string, number>();
  maxPerHost = 0;
  /** Ids of tasks whose effect had landed when each task started: for "after its deps" checks. */
  readonly doneWhenStarted = new Map<string, Set<string>>();
  readonly runCalls = new Map<string, number>();
  describeCalls = 0;

  constructor(readonly clock: Clock) {}

  effectCount(id: string): number {
    return this.effects.get(id) ?? 0;
  }
}

export interface FakeTaskSpec {
  id: string;
  host?: string;
  deps?: string[];
  ms?: number;
  fingerprint?: string;
  estimate?: number;
  /** Errors thrown by the first attempts, in order; later attempts succeed. */
  failWith?: unknown[];
  /** Thrown on every attempt. */
  alwaysFail?: unknown;
  /** Ignore the abort signal (to test that a stuck task is abandoned). */
  ignoreAbort?: boolean;
  changes?: TaskChange[];
  log?: string;
  timeoutMs?: number;
}

export function fakeTask(world: FakeWorld, spec: FakeTaskSpec): Task {
  const failures = [...(spec.failWith ?? [])];
  const task: Task = {
    id: spec.id,
    deps: spec.deps ?? [],
    title: `do ${spec.id}`,
    fingerprint: spec.fingerprint ?? `fp-${spec.id}`,
    ...(spec.host !== undefined ? { host: spec.host } : {}),
    ...(spec.estimate !== undefined ? { estimate: spec.estimate } : {}),
    ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
    async run(ctx: TaskContext): Promise<void> {
      world.runCalls.set(spec.id, (world.runCalls.get(spec.id) ?? 0) + 1);
      world.starts.push(spec.id);
      world.doneWhenStarted.set(spec.id, new Set([...world.effects.keys()]));
      world.running++;
      world.maxRunning = Math.max(world.maxRunning, world.running);
      const hostRunning = spec.host === undefined ? 0 : (world.runningPerHost.get(spec.host) ?? 0) + 1;
      if (spec.host !== undefined) world.runningPerHost.set(spec.host, hostRunning);
      world.maxPerHost = Math.max(world.maxPerHost, hostRunning);
      try {
        if (spec.log) ctx.log(spec.log);
        await world.clock.sleep(spec.ms ?? 10, spec.ignoreAbort ? undefined : ctx.signal);
        if (spec.alwaysFail !== undefined) throw spec.alwaysFail;
        if (failures.length > 0) throw failures.shift();
        if (world.crashed) throw new Error('process is dead');
        world.effects.set(spec.id, world.effectCount(spec.id) + 1);
        world.finishes.push(spec.id);
      } finally {
        world.running--;
        if (spec.host !== undefined) world.runningPerHost.set(spec.host, (world.runningPerHost.get(spec.host) ?? 1) - 1);
      }
    },
    async describe(): Promise<TaskChange[]> {
      world.describeCalls++;
      return spec.changes ?? [{ action: 'create', subject: `thing ${spec.id}` }];
    },
  };
  return task;
}
