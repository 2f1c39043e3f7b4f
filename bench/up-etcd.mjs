#!/usr/bin/env node
// `drover up` for the etcd plane on a fresh 3-node lab: wall time and critical path of the first
// run, the no-op re-runs (NOOP_RUNS, default 5: min and median, with each run's phase times from
// --debug), and SSH connections per node per run (must be 1). Root + lab packages needed
// (scripts/lab-setup.sh); uses the compiled CLI. Prints one JSON object.
// The lab's nodes carry every role, so `up` goes as far as UNTIL (default etcd: the etcd plane,
// issue 7's figure); UNTIL=all runs the whole `up`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/drover', import.meta.url));
const name = process.env.LAB_NAME ?? 'bench-up';
const noopRuns = Number(process.env.NOOP_RUNS ?? 5);
const until = process.env.UNTIL ?? 'etcd';
const upArgs = until === 'all' ? ['up'] : ['up', '--until', until];
const drover = (args, env = process.env) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env });

const labDir = execFileSync(process.execPath, [bin, 'lab', 'up', '--nodes', '3', '--name', name], { encoding: 'utf8' }).trim().split('\n').at(-1);
const config = join(labDir, 'cluster.yml');
const pw = join(labDir, 'registry-password');
const env = { ...process.env, ...(existsSync(pw) ? { DROVER_LAB_REGISTRY_PASSWORD: readFileSync(pw, 'utf8').trim() } : {}) };

/** `debug: +123 ms session open (...)` lines → { "session open": 123, ... } (ms since up() began). */
function phases(stderr) {
  const out = {};
  for (const m of stderr.matchAll(/^debug: \+(\d+) ms ([^(\n]+?)\s*(?:\(.*\))?$/gm)) out[m[2]] = Number(m[1]);
  return out;
}

function run(args) {
  const start = process.hrtime.bigint();
  const r = drover([...args, '--config', config, '--output', 'json', '--debug'], env);
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`drover ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const done = events.find((e) => e.type === 'run-done');
  const conn = /ssh connections opened: (\{.*\})/.exec(r.stderr);
  return {
    wall_ms: Math.round(wallMs),
    run_ms: done.ms,
    critical_path_ms: done.criticalPath.ms,
    tasks: done.totals.tasks,
    phases_ms: phases(r.stderr),
    connections_per_node: conn ? JSON.parse(conn[1]) : null,
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : Math.round((s[s.length / 2 - 1] + s[s.length / 2]) / 2);
};

try {
  drover(['remove', '--force', '--config', config], env);
  const fresh = run(upArgs);
  const load_before = loadavg().map((l) => Math.round(l * 100) / 100);
  const noops = Array.from({ length: noopRuns }, () => run(upArgs));
  const walls = noops.map((n) => n.wall_ms);
  const all = [fresh, ...noops].flatMap((r) => Object.values(r.connections_per_node ?? {}));
  console.log(
    JSON.stringify({
      bench: 'up-etcd',
      nodes: 3,
      until,
      fresh,
      noop: { runs: noopRuns, wall_ms_min: Math.min(...walls), wall_ms_median: median(walls), wall_ms: walls, each: noops },
      max_connections_per_node_per_run: Math.max(...all),
      noop_target_ms: 2000,
      noop_meets_target: median(walls) <= 2000,
      load_before,
      load_after: loadavg().map((l) => Math.round(l * 100) / 100),
    }),
  );
} finally {
  drover(['remove', '--force', '--config', config], env);
  if (!process.env.KEEP_LAB) drover(['lab', 'down', '--name', name]);
}
