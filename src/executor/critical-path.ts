import type { Task } from './task.js';

/**
 * A validated graph, indexed once. Tasks are numbered (their position in `tasks`) and edges
 * are kept as numbers in flat arrays (CSR): a run touches every edge once, and string-keyed
 * map lookups per edge were a visible share of the executor's time on large graphs.
 */
export interface GraphIndex {
  /** Every task once; a task's number is its position here. */
  tasks: readonly Task[];
  numberOf: ReadonlyMap<string, number>;
  /** Known deps of task i (not itself): depList[depStart[i] .. depStart[i+1]). */
  depStart: Int32Array;
  depList: Int32Array;
  /** Tasks that depend on task i, the same way (a dep listed twice appears twice). */
  dependentStart: Int32Array;
  dependentList: Int32Array;
  /** Task numbers, dependencies before dependents; shorter than `tasks` when there is a cycle. */
  order: Int32Array;
}

/** What indexing found wrong on the way (validate.ts reports it); the index leaves those out. */
export interface IndexProblems {
  duplicateIds: string[];
  /** [task id, dep] pairs, in task order. */
  badDeps: [string, string][];
}

/**
 * Numbers the tasks (a repeated id keeps its first task) and resolves every dep once: one map
 * of ids for the whole run, since resolving string ids is most of the cost of indexing (each
 * id and dep string is hashed once here, and nowhere else during a run).
 */
export function indexGraph(graphTasks: readonly Task[], problems?: IndexProblems): GraphIndex {
  const { tasks, numberOf } = numberTasks(graphTasks, problems);
  const n = tasks.length;
  let edgeCount = 0;
  for (let i = 0; i < n; i++) edgeCount += tasks[i]!.deps.length;
  const depStart = new Int32Array(n + 1);
  let depList = new Int32Array(edgeCount);
  let e = 0;
  for (let i = 0; i < n; i++) {
    depStart[i] = e;
    const deps = tasks[i]!.deps;
    for (let k = 0; k < deps.length; k++) {
      const j = numberOf.get(deps[k]!);
      if (j !== undefined && j !== i) depList[e++] = j;
      else problems?.badDeps.push([tasks[i]!.id, deps[k]!]);
    }
  }
  depStart[n] = e;
  if (e < edgeCount) depList = depList.slice(0, e);
  const dependentStart = new Int32Array(n + 1);
  for (let k = 0; k < e; k++) dependentStart[depList[k]! + 1]!++;
  for (let i = 0; i < n; i++) dependentStart[i + 1]! += dependentStart[i]!;
  const fill = dependentStart.slice(0, n);
  const dependentList = new Int32Array(e);
  for (let i = 0; i < n; i++) for (let k = depStart[i]!; k < depStart[i + 1]!; k++) dependentList[fill[depList[k]!]!++] = i;
  const edges = { tasks, numberOf, depStart, depList, dependentStart, dependentList };
  return { ...edges, order: kahnOrder(edges) };
}

/** Ids to numbers. Repeated ids are rare (a planner bug): only then is the list copied. */
function numberTasks(graphTasks: readonly Task[], problems?: IndexProblems): { tasks: readonly Task[]; numberOf: Map<string, number> } {
  const numberOf = new Map<string, number>();
  for (let i = 0; i < graphTasks.length; i++) numberOf.set(graphTasks[i]!.id, i);
  if (numberOf.size === graphTasks.length) return { tasks: graphTasks, numberOf };
  numberOf.clear();
  const tasks: Task[] = [];
  for (const t of graphTasks) {
    if (numberOf.has(t.id)) problems?.duplicateIds.push(t.id);
    else numberOf.set(t.id, tasks.push(t) - 1);
  }
  return { tasks, numberOf };
}

/**
 * Kahn's algorithm: dependencies before dependents. Tasks on a cycle (or behind one) are left
 * out, so a result shorter than the graph means there is a cycle.
 */
function kahnOrder({ tasks, depStart, dependentStart, dependentList }: Omit<GraphIndex, 'order'>): Int32Array {
  const n = tasks.length;
  const pending = new Int32Array(n);
  const queue = new Int32Array(n);
  let tail = 0;
  for (let i = 0; i < n; i++) {
    pending[i] = depStart[i + 1]! - depStart[i]!;
    if (pending[i] === 0) queue[tail++] = i;
  }
  for (let head = 0; head < tail; head++) {
    const t = queue[head]!;
    for (let k = dependentStart[t]!; k < dependentStart[t + 1]!; k++) {
      const d = dependentList[k]!;
      if (--pending[d]! === 0) queue[tail++] = d;
    }
  }
  return queue.subarray(0, tail);
}

/** Dependencies before dependents; tasks on or behind a cycle are left out. Unknown deps are ignored. */
export function topologicalOrder(tasks: readonly Task[]): Task[] {
  const index = indexGraph(tasks);
  return Array.from(index.order, (i) => index.tasks[i]!);
}

/**
 * Longest remaining path from each task (by number) to the end of the graph, counting the
 * task itself (its estimate, else 1). Starting the task with the longest remaining path first
 * is the classic list-scheduling heuristic that keeps the critical path moving.
 */
export function remainingPathLengths({ tasks, order, dependentStart, dependentList }: GraphIndex): Float64Array {
  const length = new Float64Array(tasks.length);
  for (let o = order.length - 1; o >= 0; o--) {
    const t = order[o]!;
    let tail = 0;
    for (let k = dependentStart[t]!; k < dependentStart[t + 1]!; k++) tail = Math.max(tail, length[dependentList[k]!]!);
    length[t] = (tasks[t]!.estimate ?? 1) + tail;
  }
  return length;
}

export interface CriticalPath {
  ms: number;
  ids: string[];
}

/** The dependency chain with the largest sum of measured durations (`ms` by task number; 0 if not run). */
export function measuredCriticalPath({ tasks, order, depStart, depList }: GraphIndex, ms: ArrayLike<number>): CriticalPath {
  const total = new Float64Array(tasks.length);
  const prev = new Int32Array(tasks.length).fill(-1);
  let end = -1;
  let endTotal = -1;
  for (let o = 0; o < order.length; o++) {
    const t = order[o]!;
    let before = 0;
    for (let k = depStart[t]!; k < depStart[t + 1]!; k++) {
      const d = depList[k]!;
      if (total[d]! > before || prev[t] === -1) {
        prev[t] = d;
        before = total[d]!;
      }
    }
    total[t] = before + (ms[t] ?? 0);
    if (total[t]! > endTotal) {
      end = t;
      endTotal = total[t]!;
    }
  }
  const ids: string[] = [];
  for (let at = end; at !== -1; at = prev[at]!) ids.push(tasks[at]!.id);
  // Chosen on exact durations (rounding each first would favour chains rounded up), shown in whole ms.
  return { ms: Math.max(0, Math.round(endTotal)), ids: ids.reverse() };
}
