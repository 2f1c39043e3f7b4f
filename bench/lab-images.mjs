#!/usr/bin/env node
// Lab images without internet, through the compiled code (npm run build first); Linux, root.
// Cold/warm etcd image build (layers in a fresh cache dir), registry start, push to an empty
// registry, the warm `ensureLabImages` that `drover lab up` pays each time (target < 1 s), and
// `docker pull` of the etcd image on a lab node. Prints one JSON object.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = new URL('../dist/lab/', import.meta.url);
const load = (m) => import(new URL(m, dist).href);
const { etcdImage } = await load('etcd-image.js');
const { busyboxImage } = await load('busybox-image.js');
const { ensureLabImages } = await load('lab-images.js');
const { ensureLabRegistry, stopLabRegistry } = await load('registry.js');
const { labUp, labDown } = await load('lab.js');
const { labRegistryEndpoint } = await load('registry-config.js');

const runs = Number(process.env.RUNS ?? 3);
const name = 'bench-images';
const cache = mkdtempSync(join(tmpdir(), 'drover-bench-images-'));
const env = { ...process.env, DROVER_LAB_CACHE: cache };

async function timed(fn) {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Math.round(Number(process.hrtime.bigint() - start) / 1e6), value };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Run `sh -c cmd` inside the lab node (its mounts, network and docker socket). */
function inNode(pid, cmd, input) {
  return execFileSync('nsenter', ['-t', String(pid), '-a', '--', '/bin/sh', '-c', cmd], { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

const result = { bench: 'lab-images', runs };
let lab;
try {
  const cold = await timed(async () => ({ busybox: await busyboxImage(env), etcd: await etcdImage(env) }));
  result.build_cold_ms = cold.ms;
  const warm = [];
  for (let i = 0; i < runs; i++) warm.push((await timed(() => etcdImage(env))).ms);
  result.build_warm_ms = median(warm);
  result.etcd_layer_bytes = cold.value.etcd.layers[1].size;

  await labDown(name);
  lab = (await labUp({ name, nodes: 1, layout: 'all-roles', cwd: process.cwd(), env })).state;
  result.registry_start_ms = (await timed(() => ensureLabRegistry(lab, env))).ms;
  const first = await timed(() => ensureLabImages(lab, env));
  result.push_cold_ms = first.ms;
  result.push_uploaded_blobs = first.value.etcd.push.uploadedBlobs + first.value.busybox.push.uploadedBlobs;
  result.push_mounted_blobs = first.value.etcd.push.mountedBlobs;
  const again = [];
  for (let i = 0; i < runs; i++) again.push((await timed(() => ensureLabImages(lab, env))).ms);
  result.ensure_warm_ms = median(again);
  result.ensure_warm_target_ms = 1000;

  const pid = lab.nodes[0].init.pid;
  const host = labRegistryEndpoint(lab).host;
  // Until `lab up` writes it, make the node's dockerd trust the plain-HTTP registry.
  inNode(pid, `jq -e --arg h ${host} '(."insecure-registries" // []) | index($h)' /etc/docker/daemon.json >/dev/null || { jq --arg h ${host} '."insecure-registries" = ((."insecure-registries" // []) + [$h])' /etc/docker/daemon.json >/etc/docker/daemon.json.new && mv /etc/docker/daemon.json.new /etc/docker/daemon.json && kill -HUP "$(cat /run/docker.pid)" && sleep 1; }`);
  const dockerConfig = inNode(pid, 'mktemp -d').trim();
  const docker = `DOCKER_CONFIG=${dockerConfig} docker`;
  inNode(pid, `${docker} login -u drover --password-stdin ${host} >/dev/null 2>&1`, first.value.registry.credentials.password + '\n');
  const pulls = [];
  for (let i = 0; i < runs; i++) {
    pulls.push((await timed(async () => inNode(pid, `${docker} pull -q ${first.value.etcd.reference}`))).ms);
    inNode(pid, `${docker} rmi ${first.value.etcd.reference} >/dev/null`);
  }
  inNode(pid, `rm -rf ${dockerConfig}`);
  result.pull_on_node_ms = median(pulls);
  result.pull_samples_ms = pulls;
} finally {
  if (lab) await stopLabRegistry(lab).catch(() => undefined);
  await labDown(name).catch(() => undefined);
  rmSync(cache, { recursive: true, force: true });
}
result.loadavg = loadavg().map((v) => Math.round(v * 100) / 100);
console.log(JSON.stringify(result));
