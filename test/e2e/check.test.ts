import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SSHD, startLoopbackSshd, type LoopbackSshd } from './loopback-sshd.js';
import { existsSync } from 'node:fs';
import { describeLab, startLab, type LabHandle } from './lab-fixture.js';

const DROVER = join(import.meta.dirname, '..', '..', 'bin', 'drover');

interface CheckEvent {
  type: string;
  node?: string;
  check?: string;
  status?: string;
  detail?: string;
}

/** A lab cluster.yml may read its registry password from the environment. */
function registryEnv(dir: string): Record<string, string> {
  const file = join(dir, 'registry-password');
  return existsSync(file) ? { DROVER_LAB_REGISTRY_PASSWORD: readFileSync(file, 'utf8').trim() } : {};
}

async function drover(args: string[], extraEnv: Record<string, string> = {}) {
  const r = await execa(DROVER, args, { reject: false, env: { CI: '1', ...extraEnv } });
  const events = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as CheckEvent);
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr, events };
}

/** A copy of the lab's cluster.yml that uses another known_hosts file. */
function configWithKnownHosts(lab: LabHandle, scratch: string, name: string, knownHosts: string): string {
  const doc = yaml.load(readFileSync(lab.clusterYmlPath, 'utf8')) as Record<string, unknown>;
  doc['ssh_known_hosts'] = knownHosts;
  const path = join(scratch, `${name}.yml`);
  writeFileSync(path, yaml.dump(doc));
  return path;
}

describeLab('drover check and drover hosts trust on lab nodes', { timeout: 120_000 }, () => {
  let lab: LabHandle;
  let scratch: string;
  beforeAll(async () => {
    lab = await startLab({ name: 'e2e-check', nodes: 2 });
    // Host keys are new in every lab: files from an earlier run must not be reused.
    scratch = mkdtempSync(join(lab.dir, 'check-'));
  });
  afterAll(async () => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    await lab?.stop();
  });

  it('passes on fresh lab nodes, every check on every node', async () => {
    const r = await drover(['check', '--config', lab.clusterYmlPath, '--output', 'json'], registryEnv(lab.dir));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const checks = r.events.filter((e) => e.type === 'check');
    for (const node of lab.nodes) {
      const mine = checks.filter((e) => e.node === node.address);
      expect(mine.map((e) => `${e.check}:${e.status}`).sort()).toEqual(
        ['clock:ok', 'disk:ok', 'docker:ok', 'kernel:ok', 'ports:ok', 'ssh:ok'],
      );
    }
    expect(checks.filter((e) => e.node === 'cluster').map((e) => e.check).sort()).toEqual(['clock', 'hostname']);
  });

  it('catches a port in use on one node and fails with exit 1', async () => {
    // etcd's client port taken by an unrelated listener inside node 1 only.
    const started = await lab.exec(0, 'setsid busybox nc -l -p 2379 </dev/null >/dev/null 2>&1 & echo $!');
    const pid = started.stdout.trim();
    try {
      await expect.poll(async () => (await lab.exec(0, 'cat /proc/net/tcp /proc/net/tcp6')).stdout).toMatch(/:094B 0+:0000 0A/);
      const r = await drover(['check', '--config', lab.clusterYmlPath, '--output', 'json'], registryEnv(lab.dir));
      expect(r.code).toBe(1);
      const ports = r.events.filter((e) => e.type === 'check' && e.check === 'ports');
      const bad = ports.find((e) => e.node === lab.nodes[0]!.address);
      expect(bad?.status).toBe('fail');
      expect(bad?.detail).toContain('2379/tcp');
      expect(ports.find((e) => e.node === lab.nodes[1]!.address)?.status).toBe('ok');
      const plain = await drover(['check', '--config', lab.clusterYmlPath, '--output', 'plain'], registryEnv(lab.dir));
      expect(plain.code).toBe(1);
      expect(plain.stdout).toMatch(/FAIL ports +in use: 2379\/tcp \(etcd client\)/);
    } finally {
      await lab.exec(0, `kill ${pid}`);
    }
  });

  it('refuses unknown host keys with exit 4; hosts trust --yes adds them and check then passes', async () => {
    const knownHosts = join(scratch, 'trust_known_hosts');
    const config = configWithKnownHosts(lab, scratch, 'trust', knownHosts);
    const refused = await drover(['check', '--config', config], registryEnv(lab.dir));
    expect(refused.code).toBe(4);
    expect(refused.stdout).toContain('is not known');
    expect(refused.stderr).toContain(`drover hosts trust --config ${config}`);

    const noTty = await drover(['hosts', 'trust', '--config', config], registryEnv(lab.dir));
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toContain('--yes');

    const trusted = await drover(['hosts', 'trust', '--config', config, '--yes'], registryEnv(lab.dir));
    expect(trusted.code).toBe(0);
    const lines = readFileSync(knownHosts, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(lab.nodes.length);
    // Same keys as the lab recorded itself, and the file is private.
    const labKeys = readFileSync(lab.knownHostsPath, 'utf8').trim().split('\n').map((l) => l.split(' ').slice(1, 3).join(' '));
    for (const l of lines) expect(labKeys).toContain(l.split(' ').slice(1, 3).join(' '));
    expect(execFileSync('stat', ['-c', '%a', knownHosts], { encoding: 'utf8' }).trim()).toBe('600');
    expect((await drover(['check', '--config', config], registryEnv(lab.dir))).code).toBe(0);
    const again = await drover(['hosts', 'trust', '--config', config], registryEnv(lab.dir));
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already in');
  });

  it('refuses a changed host key with exit 4 and never rewrites it', async () => {
    const knownHosts = join(scratch, 'wrong_known_hosts');
    const other = join(scratch, 'other_hostkey');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const otherPub = readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    const content = lab.nodes.map((n) => `${n.address} ${otherPub}`).join('\n') + '\n';
    writeFileSync(knownHosts, content, { mode: 0o600 });
    const config = configWithKnownHosts(lab, scratch, 'wrong', knownHosts);
    const r = await drover(['check', '--config', config, '--output', 'json'], registryEnv(lab.dir));
    expect(r.code).toBe(4);
    expect(r.events.filter((e) => e.check === 'ssh').every((e) => e.status === 'fail' && /MISMATCH/.test(e.detail ?? ''))).toBe(true);
    const t = await drover(['hosts', 'trust', '--config', config, '--yes'], registryEnv(lab.dir));
    expect(t.code).toBe(4);
    expect(readFileSync(knownHosts, 'utf8')).toBe(content);
  });
});

describe.skipIf(!existsSync(SSHD) || process.getuid?.() !== 0)('drover hosts trust through a bastion (loopback sshds)', { timeout: 90_000 }, () => {
  let node: LoopbackSshd;
  let bastion: LoopbackSshd;
  let config: string;
  let knownHosts: string;
  beforeAll(async () => {
    node = await startLoopbackSshd();
    bastion = await startLoopbackSshd({ clientKeyPath: node.clientKeyPath });
    knownHosts = join(node.dir, 'drover', 'known_hosts');
    config = join(node.dir, 'cluster.yml');
    const endpoint = (port: number) => ({ address: '127.0.0.1', port, user: 'root', ssh_key_path: node.clientKeyPath });
    writeFileSync(
      config,
      yaml.dump({
        ssh_known_hosts: knownHosts,
        nodes: [{ ...endpoint(node.port), role: ['controlplane', 'etcd', 'worker'] }],
        bastion_host: endpoint(bastion.port),
      }),
    );
  });
  afterAll(async () => {
    await bastion?.stop();
    await node?.stop();
  });

  it('trusts the bastion first, then the node seen through it, in a new 0600 file', async () => {
    expect((await drover(['check', '--config', config])).code).toBe(4);
    const r = await drover(['hosts', 'trust', '--config', config, '--yes', '--output', 'json']);
    expect(r.code).toBe(0);
    const keys = r.events.filter((e) => e.type === 'host-key') as unknown as { host: string; status: string }[];
    expect(keys.map((k) => [k.host, k.status])).toEqual([
      [`[127.0.0.1]:${bastion.port}`, 'unknown'],
      [`[127.0.0.1]:${node.port}`, 'unknown'],
    ]);
    expect(readFileSync(knownHosts, 'utf8')).toBe(`${bastion.knownHostsLine}\n${node.knownHostsLine}\n`);
    expect(execFileSync('stat', ['-c', '%a', knownHosts, join(knownHosts, '..')], { encoding: 'utf8' }).split('\n').slice(0, 2)).toEqual(['600', '700']);
    // Host keys now pass; the check fails later for want of a Docker daemon, not with exit 4.
    const checked = await drover(['check', '--config', config, '--output', 'json']);
    expect(checked.code).toBe(1);
    expect(checked.events.find((e) => e.check === 'ssh')?.status).toBe('ok');
    expect(checked.events.find((e) => e.check === 'docker')?.status).toBe('fail');
  });
});

