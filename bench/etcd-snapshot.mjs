#!/usr/bin/env node
// `drover etcd snapshot-save` and `snapshot-restore` on a running 3-node etcd cluster: wall time
// of each command, and for restore the time from the run's start until every member is healthy
// again (downtime starts at the first `stop`). Uses the compiled CLI.
// Usage: node bench/etcd-snapshot.mjs --config DIR/cluster.yml   (a cluster `drover up` built;
// pass DROVER_STATE_KEY / DROVER_LAB_REGISTRY_PASSWORD as that cluster needs). Prints one JSON object.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/drover', import.meta.url));
const i = process.argv.indexOf('--config');
const config = i > 0 ? process.argv[i + 1] : process.env.CONFIG;
if (!config) {
  console.error('usage: node bench/etcd-snapshot.mjs --config path/to/cluster.yml');
  process.exit(2);
}

function run(args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, ...args, '--config', config, '--output', 'json'], { encoding: 'utf8' });
  const wallMs = Math.round(Number(process.hrtime.bigint() - start) / 1e6);
  if (r.status !== 0) throw new Error(`drover ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const events = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const at = (id) => events.find((e) => e.type === 'task-done' && e.id === id)?.t;
  const firstStart = (prefix) => Math.min(...events.filter((e) => e.type === 'task-start' && e.id.startsWith(prefix)).map((e) => e.t));
  const done = events.find((e) => e.type === 'run-done');
  return { wallMs, runMs: done?.ms, at, firstStart, events };
}

const name = `bench-${Date.now()}`;
const save = run(['etcd', 'snapshot-save', '--name', name]);
const restore = run(['etcd', 'snapshot-restore', '--name', name]);
const healthyAt = restore.at('etcd-restore/healthy');
const stopAt = restore.firstStart('etcd-restore/stop@');
console.log(
  JSON.stringify({
    bench: 'etcd-snapshot',
    nodes: save.events.filter((e) => e.type === 'task-done').length,
    save: { wall_ms: save.wallMs, run_ms: save.runMs },
    restore: { wall_ms: restore.wallMs, run_ms: restore.runMs, run_start_to_healthy_ms: healthyAt, etcd_down_ms: healthyAt !== undefined ? Math.round(healthyAt - stopAt) : null },
    note: `snapshot ${name} is left on the nodes`,
  }),
);
