#!/usr/bin/env node
// How fast the CLI starts: `drover --version` (target ≤ 150 ms), against bare `node` as the floor.
// Runs the compiled CLI (npm run build first). Prints one JSON object.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/drover', import.meta.url));
const runs = Number(process.env.RUNS ?? 20);

function once(args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function summary(samples) {
  samples.sort((a, b) => a - b);
  const pick = (q) => Math.round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] * 10) / 10;
  return { median_ms: pick(0.5), p90_ms: pick(0.9), min_ms: pick(0) };
}

// Interleaved, so load from other processes hits every command alike.
const commands = {
  version: [bin, '--version'],
  node: ['-e', ''],
  help: [bin, '--help'],
  validate: [bin, 'config', 'validate', '--config', fileURLToPath(new URL('../cluster.example.yml', import.meta.url))],
};
const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (let i = 0; i < runs + 2; i++) {
  for (const [name, args] of Object.entries(commands)) {
    const ms = once(args);
    if (i >= 2) samples[name].push(ms); // the first two warm the page cache
  }
}
const version = summary(samples.version);
const node = summary(samples.node);
const validate = summary(samples.validate);
const help = summary(samples.help);
console.log(JSON.stringify({
  bench: 'startup',
  runs,
  drover_version: version,
  bare_node: node,
  drover_overhead_median_ms: Math.round((version.median_ms - node.median_ms) * 10) / 10,
  drover_help_full_cli: help,
  config_validate_example: validate,
  target_ms: 150,
  meets_target: version.median_ms <= 150,
}));
