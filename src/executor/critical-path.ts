import type { Task } from './task.js';

/** A validated graph, indexed once: lookups, reverse edges and a dependency order. */
export interface GraphIndex {
  byId: ReadonlyMap<string, Task>;
  dependents: ReadonlyMap<string, readonly Task[]>;
  /** Dependencies before dependents. */
  order: readonly Task[];
}

export function indexGraph(byId: ReadonlyMap<string, Task>): GraphIndex {
  const dependents = dependentsOf(byId);
  return { byId, dependents, order: topologicalOrder(byId, dependents) };
}

/**
 * Kahn's algorithm: dependencies before dependents. Tasks on a cycle (or behind one) are left
 * out, so a result shorter than the graph means there is a cycle. Unknown deps are ignored.
 */
export function topologicalOrder(byId: ReadonlyMap<string, Task>, dependents: ReadonlyMap<string, readonly Task[]> = dependentsOf(byId)): Task[] {
  const pending = new Map<string, number>();
  const queue: Task[] = [];
  for (const t of byId.values()) {
    let known = 0;
    for (const d of t.deps) if (byId.has(d) && d !== t.id) known++;
    pending.set(t.id, known);
    if (known === 0) queue.push(t);
  }
  for (let i = 0; i < queue.length; i++) {
    for (const d of dependents.get(queue[i]!.id) ?? []) {
      const left = pending.get(d.id)! - 1;
      pending.set(d.id, left);
      if (left === 0) queue.push(d);
    }
  }
  return queue;
}

export function dependentsOf(byId: ReadonlyMap<string, Task>): Map<string, Task[]> {
  const out = new Map<string, Task[]>();
  for (const t of byId.values()) {
    for (const d of t.deps) {
      const list = out.get(d);
      if (list) list.push(t);
      else out.set(d, [t]);
    }
  }
  return out;
}

/**
 * Longest remaining path from each task to the end of the graph, counting the task itself
 * (its estimate, else 1). Starting the task with the longest remaining path first is the
 * classic list-scheduling heuristic that keeps the critical path moving.
 */
export function remainingPathLengths({ order, dependents }: GraphIndex): Map<string, number> {
  const length = new Map<string, number>();
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i]!;
    let tail = 0;
    for (const d of dependents.get(t.id) ?? []) tail = Math.max(tail, length.get(d.id)!);
    length.set(t.id, (t.estimate ?? 1) + tail);
  }
  return length;
}

export interface CriticalPath {
  ms: number;
  ids: string[];
}

/** The dependency chain with the largest sum of measured durations (tasks not run count 0). */
export function measuredCriticalPath({ order }: GraphIndex, ms: ReadonlyMap<string, number>): CriticalPath {
  const best = new Map<string, { total: number; prev: string | undefined }>();
  let end: string | undefined;
  let endTotal = -1;
  for (const t of order) {
    let prev: string | undefined;
    let prevTotal = 0;
    for (const d of t.deps) {
      const b = best.get(d)!;
      if (b.total > prevTotal || prev === undefined) {
        prev = d;
        prevTotal = b.total;
      }
    }
    const total = prevTotal + (ms.get(t.id) ?? 0);
    best.set(t.id, { total, prev });
    if (total > endTotal) {
      end = t.id;
      endTotal = total;
    }
  }
  const ids: string[] = [];
  for (let at = end; at !== undefined; at = best.get(at)!.prev) ids.push(at);
  return { ms: Math.max(0, endTotal), ids: ids.reverse() };
}
