#!/usr/bin/env node
// `drover up` of a real Kubernetes v1.20.2 cluster on fresh lab nodes, both layouts the issue names:
// "1cp" (1 control plane + etcd, 2 workers; then a third worker is added) and "all-roles" (3 nodes).
// Prints one JSON object: fresh up wall time and critical path, no-op re-run, add-one-worker time.
// Needs root and the lab packages (scripts/lab-setup.sh); uses the compiled CLI (npm run build).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';

const bin = join(import.meta.dirname, '..', 'bin', 'drover');
const drover = (args, env = process.env) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, maxBuffer: 64 << 20 });

function layout(name, nodes, layoutName, startWith) {
  const labDir = execFileSync(process.execPath, [bin, 'lab', 'up', '--nodes', String(nodes), '--layout', layoutName, '--name', name], { encoding: 'utf8' }).trim().split('\n').at(-1);
  const config = join(labDir, 'cluster.yml');
  const base = readFileSync(config, 'utf8');
  const pw = join(labDir, 'registry-password');
  const env = { ...process.env, ...(existsSync(pw) ? { DROVER_LAB_REGISTRY_PASSWORD: readFileSync(pw, 'utf8').trim() } : {}) };
  const useNodes = (count) => {
    const doc = yaml.load(base);
    doc.nodes = doc.nodes.slice(0, count);
    writeFileSync(config, yaml.dump(doc, { lineWidth: -1 }));
  };
  const run = (args) => {
    const start = process.hrtime.bigint();
    const r = drover([...args, '--config', config, '--output', 'json'], env);
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`drover ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
    const done = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.type === 'run-done');
    return { wall_ms: Math.round(wallMs), run_ms: done.ms, critical_path_ms: done.criticalPath.ms, critical_path: done.criticalPath.ids, tasks: done.totals.tasks };
  };
  try {
    useNodes(startWith);
    const out = { fresh: run(['up']), noop: run(['up']) };
    if (nodes > startWith) {
      useNodes(nodes);
      out.add_worker = run(['up']);
    }
    return out;
  } finally {
    if (!process.env.KEEP_LAB) execFileSync(process.execPath, [bin, 'lab', 'down', '--name', name], { stdio: 'ignore' });
  }
}

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
const loadBefore = load();
const oneCp = layout('bench-k8s-1cp', 4, '1cp', 3);
const allRoles = layout('bench-k8s-all', 3, 'all-roles', 3);
console.log(JSON.stringify({ bench: 'up-kubernetes', kubernetes: 'v1.20.2', layouts: { '1cp+2workers': oneCp, 'all-roles-3': allRoles }, loadavg_before: loadBefore, loadavg_after: load() }));
