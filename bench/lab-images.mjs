#!/usr/bin/env node
// Lab images without internet, through the compiled code (npm run build first); Linux, root.
// Needs the machine's Kubernetes build (scripts/build-k8s.sh); everything else starts cold in a
// fresh cache dir: image build cold vs warm (all five images, and etcd alone), registry start,
// push to an empty registry, the warm `ensureClusterLabImages` that `drover lab up` pays each time
// (target < 1 s), and `docker pull` of the etcd and kubernetes images on a lab node. One JSON object.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = new URL('../dist/lab/', import.meta.url);
const load = (m) => import(new URL(m, dist).href);
const { etcdImage } = await load('etcd-image.js');
const { busyboxImage } = await load('busybox-image.js');
const { kubernetesImage, pauseImage } = await load('kubernetes-image.js');
const { nginxImage } = await load('nginx-image.js');
const { ensureKubernetesBinaries, kubernetesBinDir } = await load('kubernetes-build.js');
const { ensureClusterLabImages } = await load('lab-images.js');
const { ensureLabRegistry, stopLabRegistry, registryStorageDir } = await load('registry.js');
const { labUp, labDown } = await load('lab.js');

const runs = Number(process.env.RUNS ?? 3);
const name = 'bench-images';
const machineBinDir = kubernetesBinDir(process.env);
const cache = mkdtempSync(join(tmpdir(), 'drover-bench-images-'));
// The compiled binaries stay the machine's (minutes to build); every layer and blob starts cold.
const env = { ...process.env, DROVER_LAB_CACHE: cache, DROVER_K8S_CACHE: join(machineBinDir, '..') };

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

async function buildAll() {
  const binDir = await ensureKubernetesBinaries(env);
  const busybox = await busyboxImage(env);
  const etcd = await etcdImage(env);
  const kubernetes = await kubernetesImage(env, binDir);
  const pause = await pauseImage(env, binDir);
  const nginx = await nginxImage(env);
  return { busybox, etcd, kubernetes, pause, nginx };
}

const result = { bench: 'lab-images', runs };
let lab;
try {
  await ensureKubernetesBinaries(process.env, (line) => process.stderr.write(`${line}\n`));
  const cold = await timed(buildAll);
  result.build_cold_ms = cold.ms;
  const warm = [];
  for (let i = 0; i < runs; i++) warm.push((await timed(buildAll)).ms);
  result.build_warm_ms = median(warm);
  const warmEtcd = [];
  for (let i = 0; i < runs; i++) warmEtcd.push((await timed(() => etcdImage(env))).ms);
  result.build_warm_etcd_ms = median(warmEtcd);
  const layerBytes = (img) => img.layers.map((l) => l.size);
  result.layer_bytes = Object.fromEntries(Object.entries(cold.value).map(([k, img]) => [k, layerBytes(img)]));

  await labDown(name);
  lab = (await labUp({ name, nodes: 1, layout: 'all-roles', cwd: process.cwd(), env })).state;
  // labUp pushed everything already: measure from a stopped registry with empty storage.
  await stopLabRegistry(lab);
  rmSync(registryStorageDir(env), { recursive: true, force: true });
  result.registry_start_ms = (await timed(() => ensureLabRegistry(lab, env))).ms;
  const first = await timed(() => ensureClusterLabImages(lab, env));
  result.push_cold_ms = first.ms;
  const pushes = ['busybox', 'etcd', 'kubernetes', 'pause', 'nginx'].map((k) => first.value[k].push);
  result.push_uploaded_blobs = pushes.reduce((n, p) => n + p.uploadedBlobs, 0);
  result.push_mounted_blobs = pushes.reduce((n, p) => n + p.mountedBlobs, 0);
  const again = [];
  for (let i = 0; i < runs; i++) again.push((await timed(() => ensureClusterLabImages(lab, env))).ms);
  result.ensure_warm_ms = median(again);
  result.ensure_warm_target_ms = 1000;

  const pid = lab.nodes[0].init.pid;
  const host = first.value.registry.endpoint.host;
  const dockerConfig = inNode(pid, 'mktemp -d').trim();
  const docker = `DOCKER_CONFIG=${dockerConfig} docker`;
  inNode(pid, `${docker} login -u drover --password-stdin ${host} >/dev/null 2>&1`, first.value.registry.credentials.password + '\n');
  for (const key of ['etcd', 'kubernetes']) {
    const ref = first.value[key].reference;
    const pulls = [];
    for (let i = 0; i < runs; i++) {
      pulls.push((await timed(async () => inNode(pid, `${docker} pull -q ${ref}`))).ms);
      inNode(pid, `${docker} rmi ${ref} >/dev/null`);
    }
    result[`pull_${key}_on_node_ms`] = median(pulls);
  }
  inNode(pid, `rm -rf ${dockerConfig}`);
} finally {
  if (lab) await stopLabRegistry(lab).catch(() => undefined);
  await labDown(name).catch(() => undefined);
  rmSync(cache, { recursive: true, force: true });
}
result.loadavg = loadavg().map((v) => Math.round(v * 100) / 100);
console.log(JSON.stringify(result));
