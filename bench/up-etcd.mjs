#!/usr/bin/env node
// `drover up` for the etcd plane on a fresh 3-node lab: wall time and critical path of the first
// run, the no-op re-run, and SSH connections per node per run (must be 1). Root + lab packages
// needed (scripts/lab-setup.sh); uses the compiled CLI. Prints one JSON object.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/drover', import.meta.url));
const name = process.env.LAB_NAME ?? 'bench-up';
const drover = (args, env = process.env) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env });

const labDir = execFileSync(process.execPath, [bin, 'lab', 'up', '--nodes', '3', '--name', name], { encoding: 'utf8' }).trim().split('\n').at(-1);
const config = join(labDir, 'cluster.yml');
const pw = join(labDir, 'registry-password');
const env = { ...process.env, ...(existsSync(pw) ? { DROVER_LAB_REGISTRY_PASSWORD: readFileSync(pw, 'utf8').trim() } : {}) };

function run(args) {
  const start = process.hrtime.bigint();
  const r = drover([...args, '--config', config, '--output', 'json', '--debug'], env);
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`drover ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const done = events.find((e) => e.type === 'run-done');
  const conn = /ssh connections opened: (\{.*\})/.exec(r.stderr);
  return { wall_ms: Math.round(wallMs), run_ms: done.ms, critical_path_ms: done.criticalPath.ms, tasks: done.totals.tasks, connections_per_node: conn ? JSON.parse(conn[1]) : null };
}

try {
  drover(['remove', '--force', '--config', config], env);
  const fresh = run(['up']);
  const noop = run(['up']);
  const maxConn = Math.max(...Object.values({ ...fresh.connections_per_node, ...noop.connections_per_node }));
  console.log(JSON.stringify({ bench: 'up-etcd', nodes: 3, fresh, noop, max_connections_per_node_per_run: maxConn, noop_target_ms: 2000, noop_meets_target: noop.wall_ms <= 2000 }));
} finally {
  drover(['remove', '--force', '--config', config], env);
  if (!process.env.KEEP_LAB) drover(['lab', 'down', '--name', name]);
}
