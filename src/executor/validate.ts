import { DroverError } from '../errors.js';
import { indexGraph, type GraphIndex, type IndexProblems } from './critical-path.js';
import type { Task, TaskGraph } from './task.js';

export type GraphProblem =
  | { kind: 'duplicate-id'; id: string }
  | { kind: 'missing-dep'; id: string; dep: string }
  | { kind: 'self-dep'; id: string }
  | { kind: 'cycle'; path: string[] };

/** A graph that cannot run; always a bug in the code that built the plan, never user input. */
export class GraphError extends DroverError {
  readonly problems: GraphProblem[];
  constructor(problems: GraphProblem[]) {
    super(`invalid task graph:\n${problems.map((p) => `  - ${describeProblem(p)}`).join('\n')}`, {
      hint: 'this is a bug in drover: please report it with the output of --debug',
    });
    this.problems = problems;
  }
}

export function describeProblem(p: GraphProblem): string {
  switch (p.kind) {
    case 'duplicate-id':
      return `task id "${p.id}" is used more than once`;
    case 'missing-dep':
      return `task "${p.id}" depends on "${p.dep}", which is not in the graph`;
    case 'self-dep':
      return `task "${p.id}" depends on itself`;
    case 'cycle':
      return `dependency cycle (→ = depends on): ${p.path.join(' → ')}`;
  }
}

/** Every problem at once (not just the first), so one fix round is enough. */
function checkGraph(graph: TaskGraph): { problems: GraphProblem[]; index: GraphIndex } {
  const found: IndexProblems = { duplicateIds: [], badDeps: [] };
  const index = indexGraph(graph.tasks, found);
  const problems: GraphProblem[] = found.duplicateIds.map((id) => ({ kind: 'duplicate-id', id }));
  for (const [id, dep] of found.badDeps) problems.push(dep === id ? { kind: 'self-dep', id } : { kind: 'missing-dep', id, dep });
  // Kahn's order leaves out exactly the tasks on or behind a cycle; only then search for paths.
  if (index.order.length < index.tasks.length) {
    const byId = new Map(index.tasks.map((t) => [t.id, t]));
    for (const path of findCycles(byId)) problems.push({ kind: 'cycle', path });
  }
  return { problems, index };
}

export function findGraphProblems(graph: TaskGraph): GraphProblem[] {
  return checkGraph(graph).problems;
}

/** The graph, indexed for running; throws GraphError listing every problem. */
export function validateGraph(graph: TaskGraph): GraphIndex {
  const { problems, index } = checkGraph(graph);
  if (problems.length > 0) throw new GraphError(problems);
  return index;
}

/**
 * Iterative DFS (graphs have thousands of tasks: no recursion). Each cycle is reported once, as
 * the path from its first node back to itself, e.g. [a, b, c, a].
 */
function findCycles(byId: Map<string, Task>): string[][] {
  const state = new Map<string, 'open' | 'closed'>();
  const cycles: string[][] = [];
  for (const root of byId.keys()) {
    if (state.has(root)) continue;
    const stack: { id: string; next: number }[] = [{ id: root, next: 0 }];
    const onPath: string[] = [root];
    state.set(root, 'open');
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const deps = byId.get(frame.id)!.deps;
      if (frame.next >= deps.length) {
        state.set(frame.id, 'closed');
        stack.pop();
        onPath.pop();
        continue;
      }
      const dep = deps[frame.next++]!;
      if (dep === frame.id || !byId.has(dep)) continue; // reported as self-dep / missing-dep
      const s = state.get(dep);
      if (s === 'open') {
        cycles.push([...onPath.slice(onPath.indexOf(dep)), dep]);
      } else if (s === undefined) {
        state.set(dep, 'open');
        stack.push({ id: dep, next: 0 });
        onPath.push(dep);
      }
    }
  }
  return cycles;
}
