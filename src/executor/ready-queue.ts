import { hostKey, type Task } from './task.js';

/**
 * Ready tasks (by number), grouped per host, and the choice of which one starts next:
 *  1. only hosts below their own limit (hostless tasks have no per-host limit);
 *  2. fairness: the host with the fewest running tasks, so a host with 500 ready tasks does
 *     not take every slot while others wait;
 *  3. critical path first: among those, the host whose best ready task has the longest
 *     remaining path; within a host, that task;
 *  4. then the host that started something least recently, then insertion order (determinism).
 * Hosts that may start something sit in a heap ordered by these rules, so push, take and
 * finished cost O(log hosts) instead of a scan of every host per start.
 */
interface HostLane {
  limited: boolean;
  running: number;
  lastStart: number;
  /** Ready tasks: max-heap on priority, then min on seq. */
  heap: Entry[];
  /** Position in the lane heap, -1 when not eligible (nothing ready, or at its limit). */
  at: number;
}
interface Entry {
  task: number;
  priority: number;
  seq: number;
}

export class ReadyQueue {
  private readonly lanes = new Map<string, HostLane>();
  private readonly laneOf: (HostLane | undefined)[] = [];
  /** Eligible lanes, best first (rules above). */
  private readonly eligible: HostLane[] = [];
  private seq = 0;
  private starts = 0;
  private size = 0;

  constructor(
    private readonly tasks: readonly Task[],
    private readonly priority: ArrayLike<number>,
    private readonly perHostLimit: number,
  ) {}

  get length(): number {
    return this.size;
  }

  push(task: number): void {
    const lane = this.lane(task);
    entryPush(lane.heap, { task, priority: this.priority[task] ?? 1, seq: this.seq++ });
    this.size++;
    this.placed(lane);
  }

  /** The next task to start (and counts it running), or undefined if none may start now. */
  take(): number | undefined {
    const best = this.eligible[0];
    if (best === undefined) return undefined;
    const entry = entryPop(best.heap)!;
    best.running++;
    best.lastStart = ++this.starts;
    this.size--;
    this.placed(best);
    return entry.task;
  }

  finished(task: number): void {
    const lane = this.lane(task);
    lane.running--;
    this.placed(lane);
  }

  private lane(task: number): HostLane {
    let lane = this.laneOf[task];
    if (lane) return lane;
    const t = this.tasks[task]!;
    const key = hostKey(t);
    lane = this.lanes.get(key);
    if (!lane) {
      lane = { limited: t.host !== undefined, running: 0, lastStart: 0, heap: [], at: -1 };
      this.lanes.set(key, lane);
    }
    this.laneOf[task] = lane;
    return lane;
  }

  /** Puts a lane whose state changed where it belongs in the heap (or takes it out). */
  private placed(lane: HostLane): void {
    const h = this.eligible;
    const ok = lane.heap.length > 0 && !(lane.limited && lane.running >= this.perHostLimit);
    if (!ok) {
      if (lane.at >= 0) this.removeAt(lane.at);
      return;
    }
    if (lane.at < 0) {
      lane.at = h.length;
      h.push(lane);
    }
    this.siftDown(this.siftUp(lane.at));
  }

  private removeAt(i: number): void {
    const h = this.eligible;
    const gone = h[i]!;
    const last = h.pop()!;
    gone.at = -1;
    if (last === gone) return;
    h[i] = last;
    last.at = i;
    this.siftDown(this.siftUp(i));
  }

  private siftUp(i: number): number {
    const h = this.eligible;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!better(h[i]!, h[p]!)) break;
      this.swap(i, p);
      i = p;
    }
    return i;
  }

  private siftDown(i: number): void {
    const h = this.eligible;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && better(h[l]!, h[m]!)) m = l;
      if (r < h.length && better(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(i: number, j: number): void {
    const h = this.eligible;
    const a = h[i]!;
    const b = h[j]!;
    h[i] = b;
    h[j] = a;
    a.at = j;
    b.at = i;
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

function entryPush(h: Entry[], e: Entry): void {
  h.push(e);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!above(h[i]!, h[p]!)) break;
    const t = h[i]!;
    h[i] = h[p]!;
    h[p] = t;
    i = p;
  }
}

function entryPop(h: Entry[]): Entry | undefined {
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
      const t = h[i]!;
      h[i] = h[m]!;
      h[m] = t;
      i = m;
    }
  }
  return top;
}
