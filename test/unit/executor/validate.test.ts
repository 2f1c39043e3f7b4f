import { describe, expect, it } from 'vitest';
import { GraphError, execute, findGraphProblems, type Task } from '../../../src/executor/index.js';

const t = (id: string, deps: string[] = []): Task => ({ id, deps, title: id, fingerprint: id, run: async () => {} });

describe('graph validation', () => {
  it('accepts a DAG', () => {
    expect(findGraphProblems({ tasks: [t('a'), t('b', ['a']), t('c', ['a', 'b'])] })).toEqual([]);
  });

  it('reports missing deps, duplicates and self-deps together', () => {
    const problems = findGraphProblems({ tasks: [t('a', ['ghost']), t('a'), t('b', ['b'])] });
    expect(problems).toEqual([
      { kind: 'duplicate-id', id: 'a' },
      { kind: 'missing-dep', id: 'a', dep: 'ghost' },
      { kind: 'self-dep', id: 'b' },
    ]);
  });

  it('reports a cycle with its path', () => {
    const problems = findGraphProblems({ tasks: [t('root'), t('a', ['root', 'c']), t('b', ['a']), t('c', ['b'])] });
    expect(problems).toEqual([{ kind: 'cycle', path: ['a', 'c', 'b', 'a'] }]);
  });

  it('execute refuses an invalid graph before running anything', async () => {
    let ran = false;
    const tasks: Task[] = [{ ...t('a', ['b']), run: async () => void (ran = true) }, t('b', ['a'])];
    const err = await execute({ tasks }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphError);
    expect((err as Error).message).toContain('a → b → a');
    expect(ran).toBe(false);
  });
});
