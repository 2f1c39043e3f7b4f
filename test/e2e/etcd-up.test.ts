import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import yaml from 'js-yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeLab, startLab, type LabHandle } from './lab-fixture.js';

/**
 * `drover up` for the etcd plane on real lab nodes (sshd + dockerd in namespaces, etcd from the
 * lab registry): create, converge without touching anything, rolling restart, member add and
 * remove, kill -9 at task boundaries then --resume, and remove leaving the nodes as found.
 */
const root = join(import.meta.dirname, '../..');
const bin = join(root, 'bin/drover');

interface Event {
  type: string;
  id?: string;
  status?: string;
  [k: string]: unknown;
}

describeLab('drover up: the etcd plane', () => {
  let lab: LabHandle;
  let env: NodeJS.ProcessEnv;
  let baseConfig: string;
  const config = () => lab.clusterYmlPath;

  // The etcd plane alone (`--until etcd`): the Kubernetes plane has tests of its own.
  const drover = async (args: string[]) => {
    const planeArgs = args[0] === 'up' || args[0] === 'plan' ? ['--until', 'etcd'] : [];
    const r = await execa(process.execPath, [bin, ...args, ...planeArgs, '--config', config(), '--output', 'json'], { env, reject: false, timeout: 300_000 });
    const events = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event);
    const failures = JSON.stringify(events.filter((e) => e.type === 'task-failed' || e.type === 'error')) + r.stderr;
    return { code: r.exitCode, events, stderr: r.stderr, failures };
  };
  const done = (events: Event[]) => events.filter((e) => e.type === 'task-done').map((e) => e.id!);
  const etcdctl = async (node: number, args: string) => (await lab.exec(node, `docker exec etcd etcdctl ${args}`)).stdout;
  const containerStarted = async (node: number) => (await lab.exec(node, "docker inspect -f '{{.Id}} {{.State.StartedAt}}' etcd")).stdout.trim();
  const listing = async (node: number) =>
    (await lab.exec(node, 'docker ps -a --format "{{.Names}}"; for d in /etc/kubernetes /var/lib/etcd /opt/drover /var/lib/drover; do echo "$d: $(ls -A $d 2>&1)"; done')).stdout;
  /** Rewrite cluster.yml: keep `count` nodes, optionally with etcd extra_args. */
  const writeConfig = (count: number, extraArgs?: Record<string, string>) => {
    const doc = yaml.load(baseConfig) as { nodes: unknown[]; services?: unknown };
    doc.nodes = doc.nodes.slice(0, count);
    if (extraArgs) doc.services = { etcd: { extra_args: extraArgs } };
    writeFileSync(config(), yaml.dump(doc));
  };

  let before: string;
  beforeAll(async () => {
    lab = await startLab({ name: 'e2e-etcd', nodes: 4 });
    const passwordFile = join(lab.dir, 'registry-password');
    env = { ...process.env, CI: 'true', ...(existsSync(passwordFile) ? { DROVER_LAB_REGISTRY_PASSWORD: readFileSync(passwordFile, 'utf8').trim() } : {}) };
    baseConfig = readFileSync(config(), 'utf8');
    before = await listing(0);
    writeConfig(3);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('creates a healthy 3-member etcd cluster, RKE-style, with no secret in env or args', async () => {
    const r = await drover(['up']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.events.at(-1)).toMatchObject({ type: 'run-done', status: 'ok' });
    const health = (await lab.exec(0, 'docker exec etcd etcdctl endpoint health --cluster')).stderr;
    expect(health.match(/is healthy/g)).toHaveLength(3);
    const inspect = (await lab.exec(1, 'docker inspect etcd')).stdout;
    expect(inspect).not.toMatch(/BEGIN|PRIVATE KEY/);
    expect((await lab.exec(1, 'stat -c %a /etc/kubernetes/ssl/kube-etcd-' + lab.nodes[1]!.address.replace(/\./g, '-') + '-key.pem')).stdout.trim()).toBe('600');
  });

  it('converges: a second run changes nothing on the nodes and the plan says so', async () => {
    await etcdctl(0, 'put /drover/canary alive');
    const started = await Promise.all([0, 1, 2].map(containerStarted));
    const plan = await drover(['plan']);
    expect(plan.code).toBe(0);
    const changes = plan.events.filter((e) => e.type === 'task-planned' && Array.isArray(e['changes']) && (e['changes'] as unknown[]).length > 0);
    expect(changes).toEqual([]);
    const r = await drover(['up']);
    expect(r.code).toBe(0);
    expect(await Promise.all([0, 1, 2].map(containerStarted))).toEqual(started);
  });

  it('restarts members one at a time when etcd extra_args change', async () => {
    writeConfig(3, { 'heartbeat-interval': '300' });
    const r = await drover(['up']);
    expect(r.code).toBe(0);
    const order = r.events.filter((e) => (e.type === 'task-start' || e.type === 'task-done') && /^etcd\/(start|healthy)@/.test(e.id ?? '')).map((e) => `${e.type === 'task-start' ? '>' : '<'}${e.id}`);
    // Never two members down at once: each start begins only after the previous member is healthy.
    for (let i = 1; i < lab.nodes.length - 1; i++) {
      const prevHealthy = order.indexOf(`<etcd/healthy@${lab.nodes[i - 1]!.address}`);
      const nextStart = order.indexOf(`>etcd/start@${lab.nodes[i]!.address}`);
      expect(prevHealthy).toBeGreaterThanOrEqual(0);
      expect(nextStart).toBeGreaterThan(prevHealthy);
    }
    expect((await lab.exec(2, "docker inspect -f '{{.Args}}' etcd")).stdout).toContain('--heartbeat-interval=300');
    expect(await etcdctl(1, 'get /drover/canary --print-value-only')).toContain('alive');
  });

  it('adds a member, then removes it again', async () => {
    writeConfig(4, { 'heartbeat-interval': '300' });
    const add = await drover(['up']);
    expect(add.code, add.failures).toBe(0);
    expect(done(add.events)).toContain(`etcd/member-add@${lab.nodes[3]!.address}`);
    expect((await etcdctl(0, 'member list')).trim().split('\n')).toHaveLength(4);

    writeConfig(3, { 'heartbeat-interval': '300' });
    const rm = await drover(['up']);
    expect(rm.code, rm.failures).toBe(0);
    expect((await etcdctl(0, 'member list')).trim().split('\n')).toHaveLength(3);
    expect((await lab.exec(3, 'docker ps -a --format "{{.Names}}"')).stdout).not.toContain('etcd');
  });

  it.each([
    ['after the first certificates are written', (e: Event) => e.type === 'task-done' && /^files@/.test(e.id ?? '')],
    ['while members restart', (e: Event) => e.type === 'task-done' && /^etcd\/healthy@/.test(e.id ?? '')],
  ])('survives kill -9 %s: --resume converges and skips what was done', async (_when, isBoundary) => {
    writeConfig(3, { 'heartbeat-interval': String(200 + Math.floor(Math.random() * 90)) });
    const child = spawn(process.execPath, [bin, 'up', '--until', 'etcd', '--config', config(), '--output', 'json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const seen: Event[] = [];
    await new Promise<void>((resolve) => {
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        const event = JSON.parse(line) as Event;
        seen.push(event);
        if (isBoundary(event)) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => resolve());
    });
    expect(seen.some(isBoundary)).toBe(true);
    const doneBeforeKill = done(seen);
    const resumed = await drover(['up', '--resume']);
    expect(resumed.code).toBe(0);
    const skipped = resumed.events.filter((e) => e.type === 'task-skipped').map((e) => e.id);
    for (const id of doneBeforeKill) expect(skipped).toContain(id);
    expect((await lab.exec(0, 'docker exec etcd etcdctl endpoint health --cluster')).stderr.match(/is healthy/g)).toHaveLength(3);
    expect(await etcdctl(2, 'get /drover/canary --print-value-only')).toContain('alive');
  });

  it('rebuilds a lost local state from the copies on the nodes (util get-state)', async () => {
    const statePath = join(lab.dir, 'cluster.droverstate');
    const before = readFileSync(statePath);
    const started = await Promise.all([0, 1, 2].map(containerStarted));
    rmSync(statePath);
    const r = await execa(process.execPath, [bin, 'util', 'get-state', '--config', config()], { env, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(statePath).equals(before)).toBe(true);
    const again = await drover(['up']);
    expect(again.code, again.failures).toBe(0);
    // With the state back, drover knows the cluster: it converges instead of bootstrapping anew.
    expect(await Promise.all([0, 1, 2].map(containerStarted))).toEqual(started);
  });

  it('remove leaves every node as it was before the first up', async () => {
    writeConfig(4);
    const r = await execa(process.execPath, [bin, 'remove', '--force', '--config', config(), '--output', 'json'], { env, reject: false });
    expect(r.exitCode).toBe(0);
    for (const node of [0, 1, 2, 3]) expect(await listing(node)).toBe(before);
  });
});
