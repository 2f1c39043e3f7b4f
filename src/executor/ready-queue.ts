import { hostKey, type Task } from './task.js';

/**
 * Ready tasks, grouped per host, and the choice of which one starts next:
 *  1. only hosts below their own limit (hostless tasks have no per-host limit);
 *  2. fairness: the host with the fewest running tasks, so a host with 500 ready tasks does
 *     not take every slot while others wait;
 *  3. critical path first: among those, the host whose best ready task has the longest
 *     remaining path; within a host, that task;
 *  4. then the host that started something least recently, then insertion order (determinism).
 */
interface HostLane {
  key: string;
  limited: boolean;
  running: number;
  lastStart: number;
  heap: Entry[];
}
interface Entry {
  task: Task;
  priority: number;
  seq: number;
}

export class ReadyQueue {
  private readonly lanes = new Map<string, HostLane>();
  /** Lanes with at least one ready task: take() looks only at these (not every host). */
  private readonly nonEmpty = new Set<HostLane>();
  private seq = 0;
  private starts = 0;
  private size = 0;

  constructor(
    private readonly priorityOf: (task: Task) => number,
    private readonly perHostLimit: number,
  ) {}

  get length(): number {
    return this.size;
  }

  push(task: Task): void {
    const lane = this.lane(task);
    heapPush(lane.heap, { task, priority: this.priorityOf(task), seq: this.seq++ });
    this.nonEmpty.add(lane);
    this.size++;
  }

  /** The next task to start (and counts it running), or undefined if none may start now. */
  take(): Task | undefined {
    if (this.size === 0) return undefined;
    let best: HostLane | undefined;
    for (const lane of this.nonEmpty) {
      if (lane.limited && lane.running >= this.perHostLimit) continue;
      if (best === undefined || better(lane, best)) best = lane;
    }
    if (!best) return undefined;
    const entry = heapPop(best.heap)!;
    if (best.heap.length === 0) this.nonEmpty.delete(best);
    best.running++;
    best.lastStart = ++this.starts;
    this.size--;
    return entry.task;
  }

  finished(task: Task): void {
    this.lane(task).running--;
  }

  private lane(task: Task): HostLane {
    const key = hostKey(task);
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { key, limited: task.host !== undefined, running: 0, lastStart: 0, heap: [] };
      this.lanes.set(key, lane);
    }
    return lane;
  }
}

function better(a: HostLane, b: HostLane): boolean {
  if (a.running !== b.running) return a.running < b.running;
  const pa = a.heap[0]!.priority;
  const pb = b.heap[0]!.priority;
  if (pa !== pb) return pa > pb;
  if (a.lastStart !== b.lastStart) return a.lastStart < b.lastStart;
  return a.heap[0]!.seq < b.heap[0]!.seq;
}

/** Max-heap on priority, then min on seq. */
function above(a: Entry, b: Entry): boolean {
  return a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq;
}

function heapPush(h: Entry[], e: Entry): void {
  h.push(e);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!above(h[i]!, h[p]!)) break;
    [h[i], h[p]] = [h[p]!, h[i]!];
    i = p;
  }
}

function heapPop(h: Entry[]): Entry | undefined {
  const top = h[0];
  const last = h.pop();
  if (h.length > 0 && last) {
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && above(h[l]!, h[m]!)) m = l;
      if (r < h.length && above(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
  return top;
}
