#!/usr/bin/env node
// `drover lab up --nodes 3` on a warm machine (packages installed; target ≤ 10 s), an idempotent
// re-up of the running lab, and `drover lab down`, through the compiled CLI (npm run build first).
// Needs Linux and root. Prints one JSON object.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/drover', import.meta.url));
const runs = Number(process.env.RUNS ?? 3);
const nodes = Number(process.env.NODES ?? 3);
const name = 'bench-lab';

function timed(args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, ...args, '--name', name], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) {
    spawnSync(process.execPath, [bin, 'lab', 'down', '--name', name]);
    throw new Error(`drover ${args.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
  }
  return ms;
}

function summary(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const round = (v) => Math.round(v);
  return { median_ms: round(s[Math.floor(s.length / 2)]), min_ms: round(s[0]), max_ms: round(s[s.length - 1]), samples_ms: samples.map(round) };
}

const up = [];
const reup = [];
const down = [];
timed(['lab', 'down']); // start from nothing
for (let i = 0; i < runs; i++) {
  up.push(timed(['lab', 'up', '--nodes', String(nodes), '--quiet']));
  reup.push(timed(['lab', 'up', '--nodes', String(nodes), '--quiet']));
  down.push(timed(['lab', 'down', '--quiet']));
}
const loadavg = (await import('node:os')).loadavg().map((v) => Math.round(v * 100) / 100);
console.log(JSON.stringify({ bench: 'lab', nodes, runs, up: summary(up), up_target_ms: 10_000, reup: summary(reup), down: summary(down), loadavg }));
