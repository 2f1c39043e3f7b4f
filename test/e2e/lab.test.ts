import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import yaml from 'js-yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadClusterModel } from '../../src/config/index.js';
import { labStatus, labUp } from '../../src/lab/lab.js';
import { labPaths } from '../../src/lab/paths.js';
import { readLabState, type LabState } from '../../src/lab/state.js';
import { isRunning } from '../../src/lab/proc.js';
import { busyboxRootfsTarball, importImageCommand, LAB_BUSYBOX_IMAGE } from '../../src/lab/images.js';
import { describeLab, startLab, type LabHandle } from './lab-fixture.js';

const NAME = 'e2e-lab';
const DROVER = join(import.meta.dirname, '..', '..', 'bin', 'drover');

/** The system OpenSSH client with the lab's key and strict host-key checking against `knownHosts`. */
function ssh(lab: LabHandle, address: string, cmd: string, knownHosts = lab.knownHostsPath) {
  return execa(
    'ssh',
    [
      '-i', lab.keyPath, '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`,
      '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5',
      `root@${address}`, cmd,
    ],
    { reject: false },
  );
}

function linkNames(): string[] {
  return readdirSync('/sys/class/net');
}

describeLab('drover lab: namespace nodes with their own sshd and dockerd', { timeout: 120_000 }, () => {
  let lab: LabHandle;
  let state: LabState;

  beforeAll(async () => {
    lab = await startLab({ name: NAME, nodes: 3 });
    state = (await readLabState(labPaths(NAME).stateFile))!;
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('writes a cluster.yml that drover itself accepts, with strict host keys', async () => {
    const doc = yaml.load(readFileSync(lab.clusterYmlPath, 'utf8')) as Record<string, any>;
    expect(doc['ssh_known_hosts']).toBe(lab.knownHostsPath);
    expect(doc['nodes'].map((n: any) => n.address)).toEqual(lab.nodes.map((n) => n.address));
    // The lab registry's password stays out of cluster.yml: it comes from the environment.
    const password = readFileSync(join(lab.dir, 'registry-password'), 'utf8').trim();
    const { model } = await loadClusterModel(lab.clusterYmlPath, { DROVER_LAB_REGISTRY_PASSWORD: password }, { purpose: 'validate' });
    expect(model.knownHostsPath).toBe(lab.knownHostsPath);
    expect(model.nodes.map((n) => [n.address, n.user, n.sshKeyPath, n.roles.slice().sort().join(',')])).toEqual(
      lab.nodes.map((n) => [n.address, 'root', lab.keyPath, 'controlplane,etcd,worker']),
    );
    expect(readFileSync(lab.knownHostsPath, 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('every node answers SSH with the written key and known_hosts, as itself', async () => {
    for (const node of lab.nodes) {
      const r = await ssh(lab, node.address, 'hostname; ip -4 -o addr show dev eth0');
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain(node.hostname);
      expect(r.stdout).toContain(`inet ${node.address}/24`);
    }
  });

  it('a wrong host key in known_hosts is refused (checking really is strict)', async () => {
    const lines = readFileSync(lab.knownHostsPath, 'utf8').trim().split('\n');
    const swapped = lines.map((l, i) => `${l.split(' ')[0]} ${lines[(i + 1) % lines.length]!.split(' ').slice(1).join(' ')}`);
    const tmp = mkdtempSync(join(tmpdir(), 'drover-lab-test-'));
    const wrong = join(tmp, 'known_hosts');
    writeFileSync(wrong, swapped.join('\n') + '\n');
    const r = await ssh(lab, lab.nodes[0]!.address, 'true', wrong);
    rmSync(tmp, { recursive: true, force: true });
    expect(r.exitCode).toBe(255);
    expect(r.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it("each node's dockerd is its own: own data root, name, engine ID and images", async () => {
    const infos = [];
    for (let i = 0; i < lab.nodes.length; i++) {
      const r = await lab.exec(i, "docker info --format '{{.DockerRootDir}}|{{.Name}}|{{.ID}}|{{.Driver}}|{{.DefaultRuntime}}'");
      expect(r.code).toBe(0);
      infos.push(r.stdout.split('|'));
    }
    expect(infos.map((f) => f[0])).toEqual(['/var/lib/docker', '/var/lib/docker', '/var/lib/docker']);
    expect(infos.map((f) => f[1])).toEqual(lab.nodes.map((n) => n.hostname));
    expect(new Set(infos.map((f) => f[2])).size).toBe(3);
    expect(infos.every((f) => f[3] === 'overlay2' && f[4] === 'drover-runc')).toBe(true);
    // The node's /var/lib/docker is a per-node directory on the host, not the host's own.
    for (const node of state.nodes) expect(existsSync(join(node.nodeDir, 'root', 'var', 'lib', 'docker', 'overlay2'))).toBe(true);

    const tarball = await busyboxRootfsTarball(process.env);
    expect((await lab.exec(0, importImageCommand(tarball))).code).toBe(0);
    expect((await lab.exec(0, `docker image inspect ${LAB_BUSYBOX_IMAGE} >/dev/null`)).code).toBe(0);
    expect((await lab.exec(1, `docker image inspect ${LAB_BUSYBOX_IMAGE} >/dev/null 2>&1`)).code).not.toBe(0);
  });

  it('runs privileged containers (runc wrapper) and negative oom_score_adj, in the node network', async () => {
    const tarball = await busyboxRootfsTarball(process.env);
    expect((await lab.exec(1, importImageCommand(tarball))).code).toBe(0);
    const priv = await lab.exec(1, `docker run --rm --privileged ${LAB_BUSYBOX_IMAGE} sh -c 'ip link add v0 type veth peer name v1 && mount -t tmpfs none /tmp && echo made'`);
    expect(priv.stderr).toBe('');
    expect(priv.stdout).toBe('made');
    const oom = await lab.exec(1, `docker run --rm --oom-score-adj=-998 ${LAB_BUSYBOX_IMAGE} cat /proc/self/oom_score_adj`);
    expect(oom.stdout).toBe('0');
    // exec goes through the wrapper's process.json path.
    const execd = await lab.exec(
      1,
      `docker run -d --name lab-exec ${LAB_BUSYBOX_IMAGE} sleep 60 >/dev/null && docker exec --privileged lab-exec echo exec-ok; docker rm -f lab-exec >/dev/null`,
    );
    expect(execd.stdout).toBe('exec-ok');
    const hostNet = await lab.exec(1, `docker run --rm --network host ${LAB_BUSYBOX_IMAGE} ip -4 -o addr show dev eth0`);
    expect(hostNet.stdout).toContain(`inet ${lab.nodes[1]!.address}/24`);
  });

  it('nodes reach each other over the bridge; routes lead nowhere else', async () => {
    const other = lab.nodes[2]!.address;
    const r = await lab.exec(0, `timeout 5 bash -c 'exec 3<>/dev/tcp/${other}/22; head -c 4 <&3'`);
    expect(r.stdout).toBe('SSH-');
    const routes = await lab.exec(0, 'ip route show; ip route get 1.1.1.1; ip route get 169.254.169.254 2>&1 || true');
    expect(routes.stdout).toContain(`default via ${state.network.deadGateway}`);
    expect(routes.stdout).toMatch(/unreachable 169\.254\.169\.254|RTNETLINK answers: No route to host|Network is unreachable/);
    const forward = execFileSync('iptables', ['-w', '-S', 'FORWARD'], { encoding: 'utf8' });
    expect(forward).toContain(`-A FORWARD -i ${state.network.bridge} ! -o ${state.network.bridge} -j DROP`);
    expect(execFileSync('iptables', ['-w', '-t', 'nat', '-S'], { encoding: 'utf8' })).not.toContain(state.network.bridge);
  });

  it('up again is idempotent; a dead node is repaired with the same host key', async () => {
    const before = (await readLabState(labPaths(NAME).stateFile))!;
    const again = await labUp({ name: NAME, nodes: 3, layout: 'all-roles', cwd: process.cwd(), env: process.env });
    expect(again.outcome).toBe('running');
    expect(again.state.nodes.map((n) => n.init?.pid)).toEqual(before.nodes.map((n) => n.init?.pid));

    const knownHostsBefore = readFileSync(lab.knownHostsPath, 'utf8');
    process.kill(before.nodes[1]!.init!.pid, 'SIGKILL');
    await expect.poll(async () => (await labStatus(NAME))?.healthy, { timeout: 10_000 }).toBe(false);
    const repaired = await labUp({ name: NAME, nodes: 3, layout: 'all-roles', cwd: process.cwd(), env: process.env });
    expect(repaired.outcome).toBe('repaired');
    expect(repaired.started).toEqual([lab.nodes[1]!.hostname]);
    expect(readFileSync(lab.knownHostsPath, 'utf8')).toBe(knownHostsBefore);
    expect((await ssh(lab, lab.nodes[1]!.address, 'docker version --format {{.Server.Version}}')).exitCode).toBe(0);
    lab.nodes[1]!.pid = repaired.state.nodes[1]!.init!.pid;
  });

  it('`drover lab status --output json` reports the running lab', async () => {
    const r = await execa(DROVER, ['lab', 'status', '--name', NAME, '--output', 'json'], { reject: false });
    expect(r.exitCode).toBe(0);
    const status = JSON.parse(r.stdout);
    expect(status).toMatchObject({ type: 'lab-status', name: NAME, running: true, healthy: true });
    expect(status.nodes.map((n: any) => n.address)).toEqual(lab.nodes.map((n) => n.address));
  });

  it('down leaves no process, link, rule, cgroup, mount or file behind', async () => {
    const last = (await readLabState(labPaths(NAME).stateFile))!;
    const r = await execa(DROVER, ['lab', 'down', '--name', NAME], { reject: false });
    expect(r.exitCode).toBe(0);
    for (const node of last.nodes) {
      expect(await isRunning(node.init)).toBe(false);
      expect(await isRunning(node.launcher)).toBe(false);
      expect(node.cgroups.length).toBeGreaterThan(0);
      for (const dir of node.cgroups) expect(existsSync(dir)).toBe(false);
    }
    const links = linkNames();
    expect(links).not.toContain(last.network.bridge);
    for (const node of last.nodes) expect(links).not.toContain(node.hostVeth);
    expect(execFileSync('iptables', ['-w', '-S', 'FORWARD'], { encoding: 'utf8' })).not.toContain(last.network.bridge);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(labPaths(NAME).stateDir);
    expect(existsSync(labPaths(NAME).stateDir)).toBe(false);
    expect(existsSync(lab.clusterYmlPath) || existsSync(lab.keyPath) || existsSync(lab.knownHostsPath)).toBe(false);
    expect(existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.includes(NAME)) : []).toEqual([]);
    // Down of a lab that is not there is fine (idempotent).
    expect((await execa(DROVER, ['lab', 'down', '--name', NAME], { reject: false })).exitCode).toBe(0);
  });
});
