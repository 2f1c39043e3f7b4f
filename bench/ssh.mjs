#!/usr/bin/env node
// SSH and Docker transport figures against real nodes: connect latency, per-command latency on
// the open connection, Docker API latency over the SSH forward, and SSH connections opened per
// node per run (must be 1). Runs the compiled code (npm run build first). Prints one JSON object.
//   node bench/ssh.mjs                      # starts a 3-node lab "bench-ssh" and removes it after
//   node bench/ssh.mjs --config cluster.yml # uses existing nodes (nothing is changed on them)
//   node bench/ssh.mjs --loopback           # one sshd on 127.0.0.1 whose root ~/.bashrc is masked
//                                           # (SSH figures without the login shell's rc files; no Docker)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { loadClusterModel } = await import(dist('config/index.js'));
const { openTransport } = await import(dist('transport/session.js'));

const { values } = parseArgs({ options: { config: { type: 'string' }, runs: { type: 'string', default: '20' }, loopback: { type: 'boolean' } } });
const runs = Number(values.runs);

function summary(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const pick = (q) => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] * 10) / 10;
  return { median_ms: pick(0.5), p90_ms: pick(0.9), min_ms: pick(0), n: s.length };
}
const now = () => Number(process.hrtime.bigint()) / 1e6;
async function timed(fn) {
  const t0 = now();
  await fn();
  return now() - t0;
}

/** An sshd on 127.0.0.1 in a private mount namespace with an empty /root/.bashrc over the real one. */
async function startLoopback() {
  const dir = mkdtempSync(join(tmpdir(), 'drover-bench-ssh-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  for (const k of ['host', 'client']) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, k)]);
  writeFileSync(join(dir, 'ak'), readFileSync(join(dir, 'client.pub')));
  writeFileSync(join(dir, 'rc'), '');
  writeFileSync(join(dir, 'cfg'), [`Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${dir}/host`, `PidFile ${dir}/pid`, `AuthorizedKeysFile ${dir}/ak`,
    'StrictModes no', 'UsePAM no', 'Subsystem sftp internal-sftp', 'LogLevel ERROR'].join('\n') + '\n');
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${readFileSync(join(dir, 'host.pub'), 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
  writeFileSync(join(dir, 'cluster.yml'), `ssh_known_hosts: ${dir}/known_hosts\nnodes:\n  - address: 127.0.0.1\n    port: ${port}\n    user: root\n    role: [controlplane, etcd, worker]\n    ssh_key_path: ${dir}/client\n`);
  const child = spawn('unshare', ['-m', 'sh', '-c', `mount --bind ${dir}/rc /root/.bashrc 2>/dev/null; mkdir -p /run/sshd; exec /usr/sbin/sshd -D -e -f ${dir}/cfg`], { stdio: 'ignore' });
  for (let i = 0; i < 100 && spawnSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`], { shell: false }).status !== 0; i++) await new Promise((r) => setTimeout(r, 50));
  return { config: join(dir, 'cluster.yml'), stop: async () => { child.kill(); rmSync(dir, { recursive: true, force: true }); } };
}

let lab;
let configPath = values.config;
if (!configPath && values.loopback) {
  lab = await startLoopback();
  configPath = lab.config;
} else if (!configPath) {
  const { labUp, labDown } = await import(dist('lab/lab.js'));
  const { labDirFiles } = await import(dist('lab/paths.js'));
  const name = 'bench-ssh';
  await labDown(name).catch(() => undefined);
  const { state } = await labUp({ name, nodes: 3, layout: 'all-roles', cwd: process.cwd(), env: process.env });
  lab = { stop: () => labDown(name) };
  configPath = labDirFiles(state.dir).clusterYml;
}
// A lab cluster.yml reads its registry password from the environment.
const env = { ...process.env };
const passwordFile = join(configPath, '..', 'registry-password');
if (!env.DROVER_LAB_REGISTRY_PASSWORD && existsSync(passwordFile)) env.DROVER_LAB_REGISTRY_PASSWORD = readFileSync(passwordFile, 'utf8').trim();

try {
  const { model } = await loadClusterModel(configPath, env);
  const t = await openTransport(model, env);
  try {
    // Connect (TCP + key exchange + host-key check + auth), one node after another.
    const connect = [];
    for (const node of model.nodes) connect.push(await timed(() => t.pool.client(node)));

    // Commands on the open connection: sequential round trips, then a parallel burst.
    const first = model.nodes[0];
    const host = t.host(first);
    const command = [];
    for (let i = 0; i < runs; i++) command.push(await timed(() => host.exec('true')));
    const burst = await timed(() => Promise.all(model.nodes.flatMap((n) => Array.from({ length: runs }, () => t.host(n).exec('true')))));

    // Docker Engine API over the SSH forward (first call includes choosing the route).
    let dockerFigures = { docker: 'not measured (--loopback has no dockerd)' };
    if (!values.loopback) {
      const docker = t.docker(first);
      const dockerFirst = await timed(() => docker.version());
      const dockerApi = [];
      for (let i = 0; i < runs; i++) dockerApi.push(await timed(() => docker.version()));
      await Promise.all(model.nodes.map((n) => t.docker(n).listContainers()));
      dockerFigures = { docker_route: await docker.route(), docker_first_call_ms: Math.round(dockerFirst * 10) / 10, docker_api_version_call: summary(dockerApi) };
    }

    // The system OpenSSH client, a fresh connection per command, for comparison.
    const openssh = [];
    for (let i = 0; i < Math.min(runs, 5); i++) {
      openssh.push(
        await timed(async () => {
          const r = spawnSync('ssh', ['-i', first.sshKeyPath ?? '', '-p', String(first.port), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes',
            '-o', `UserKnownHostsFile=${model.knownHostsPath}`, '-o', 'GlobalKnownHostsFile=/dev/null', `${first.user}@${first.address}`, 'true']);
          if (r.status !== 0) throw new Error(`ssh failed: ${r.stderr}`);
        }),
      );
    }

    const opened = t.pool.connectionsOpened();
    const perNode = Object.values(opened);
    console.log(
      JSON.stringify({
        bench: 'ssh',
        target: values.loopback ? 'loopback sshd, ~/.bashrc masked' : values.config ? configPath : 'lab bench-ssh',
        nodes: model.nodes.length,
        ssh_connect: summary(connect),
        ssh_command_sequential: summary(command),
        ssh_command_parallel_burst: { commands: runs * model.nodes.length, total_ms: Math.round(burst) },
        ...dockerFigures,
        openssh_client_connect_and_run: summary(openssh),
        connections_opened_per_node: opened,
        connections_per_node_max: Math.max(...perNode),
        one_connection_per_node: perNode.every((n) => n === 1),
        note: 'per-command time includes the remote login shell start: bash reads ~/.bashrc for SSH commands',
      }),
    );
  } finally {
    await t.close();
  }
} finally {
  await lab?.stop();
}
