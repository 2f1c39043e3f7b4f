import fc from 'fast-check';

export interface DagSpec {
  tasks: { id: string; host?: string; deps: string[]; ms: number }[];
  concurrency: number;
  perHost: number;
}

/** Random acyclic graphs: task i may only depend on tasks before it; then shuffled. */
export const dagArb: fc.Arbitrary<DagSpec> = fc
  .record({
    n: fc.integer({ min: 1, max: 30 }),
    hosts: fc.integer({ min: 1, max: 5 }),
    concurrency: fc.integer({ min: 1, max: 8 }),
    perHost: fc.integer({ min: 1, max: 4 }),
    seed: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 20 }), fc.array(fc.nat(), { maxLength: 4 })), {
      minLength: 30,
      maxLength: 30,
    }),
    order: fc.array(fc.nat(), { minLength: 30, maxLength: 30 }),
  })
  .map(({ n, hosts, concurrency, perHost, seed, order }) => {
    const tasks = Array.from({ length: n }, (_, i) => {
      const [h, , ms, deps] = seed[i]!;
      const hostIdx = h % (hosts + 1);
      const depIds = i === 0 ? [] : [...new Set(deps.map((d) => `t${d % i}`))];
      return { id: `t${i}`, ...(hostIdx === hosts ? {} : { host: `h${hostIdx}` }), deps: depIds, ms };
    });
    const shuffled = tasks
      .map((t, i) => ({ t, k: order[i] ?? 0 }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.t);
    return { tasks: shuffled, concurrency, perHost };
  });
