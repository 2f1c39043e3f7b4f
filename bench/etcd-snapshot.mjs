#!/usr/bin/env node
// `drover etcd snapshot-save` and `snapshot-restore` on a 3-node etcd cluster: wall time of each
// command, and for restore the time from the run's start until every member is healthy again
// (etcd is down from the first `stop` to then). Uses the compiled CLI. Prints one JSON object.
// Without arguments it brings up its own lab (root, lab packages) and takes it down after;
// `--config DIR/cluster.yml` uses a cluster `drover up` already built instead.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/drover', import.meta.url));
const i = process.argv.indexOf('--config');
const labName = 'bench-snapshot';
const ownLab = i < 0;
let config = ownLab ? undefined : process.argv[i + 1];
if (ownLab) {
  const labDir = execFileSync(process.execPath, [bin, 'lab', 'up', '--nodes', '3', '--name', labName], { encoding: 'utf8' }).trim().split('\n').at(-1);
  config = join(labDir, 'cluster.yml');
}
// A lab's cluster.yml reads its registry password from the environment; the lab keeps it beside the file.
const pw = join(dirname(config), 'registry-password');
if (existsSync(pw) && !process.env.DROVER_LAB_REGISTRY_PASSWORD) process.env.DROVER_LAB_REGISTRY_PASSWORD = readFileSync(pw, 'utf8').trim();

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
let save;
let restore;
try {
  if (ownLab) run(['up', '--until', 'etcd']);
  save = run(['etcd', 'snapshot-save', '--name', name]);
  restore = run(['etcd', 'snapshot-restore', '--name', name]);
} finally {
  if (ownLab && !process.env.KEEP_LAB) {
    spawnSync(process.execPath, [bin, 'lab', 'down', '--name', labName]);
    for (const suffix of ['', '.bak', '.journal', '.lock']) rmSync(config.replace(/\.yml$/, '.droverstate') + suffix, { force: true, recursive: true });
  }
}
const healthyAt = restore.at('etcd-restore/healthy');
const stopAt = restore.firstStart('etcd-restore/stop@');
console.log(
  JSON.stringify({
    bench: 'etcd-snapshot',
    nodes: save.events.filter((e) => e.type === 'task-done').length,
    save: { wall_ms: save.wallMs, run_ms: save.runMs },
    restore: { wall_ms: restore.wallMs, run_ms: restore.runMs, run_start_to_healthy_ms: healthyAt, etcd_down_ms: healthyAt !== undefined ? Math.round(healthyAt - stopAt) : null },
    ...(ownLab ? {} : { note: `snapshot ${name} is left on the nodes` }),
  }),
);
