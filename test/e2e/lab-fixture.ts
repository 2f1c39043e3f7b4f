import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe } from 'vitest';
import { labDown, labUp } from '../../src/lab/lab.js';
import type { LabLayout } from '../../src/lab/layout.js';
import { LAB_STATE_ROOT, labDirFiles } from '../../src/lab/paths.js';
import { LAB_BINARIES } from '../../src/lab/prereqs.js';
import type { Role } from '../../src/model/cluster.js';

/**
 * Real lab nodes for end-to-end tests (network namespaces with their own sshd and dockerd, see
 * src/lab). Use one lab name per test file so files never collide:
 *
 *   describeLab('transport', () => {
 *     let lab: LabHandle;
 *     beforeAll(async () => { lab = await startLab({ nodes: 2, name: 'e2e-transport' }); });
 *     afterAll(async () => { await lab?.stop(); });
 *     it('...', async () => { expect((await lab.exec(0, 'hostname')).stdout).toBe(lab.nodes[0]!.hostname); });
 *   });
 *
 * Without root or namespaces the whole file is skipped, loudly; in CI as root it never skips
 * (a broken machine must fail the run, not hide it).
 */

export interface LabNodeHandle {
  address: string;
  hostname: string;
  roles: Role[];
  /** The node's PID 1 as the host sees it (what `exec` enters). */
  pid: number;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface LabHandle {
  name: string;
  /** Holds cluster.yml, id_ed25519(.pub) and known_hosts. */
  dir: string;
  nodes: LabNodeHandle[];
  clusterYmlPath: string;
  keyPath: string;
  knownHostsPath: string;
  /** DIR/lab.json: registry, test_image, kubectl, images (src/lab/lab-settings.ts `LabJson`). */
  labJsonPath: string;
  /** Run `sh -c cmd` inside node `nodeIndex` (0-based): its mounts, network, PIDs and hostname. */
  exec(nodeIndex: number, cmd: string, opts?: { input?: string }): Promise<ExecResult>;
  /** Tear the lab down completely and release the name (idempotent). */
  stop(): Promise<void>;
}

export interface StartLabOptions {
  name: string;
  nodes?: number;
  layout?: LabLayout;
  /** Keep a lab that is already running under this name instead of starting from scratch. */
  reuse?: boolean;
}

function skipReason(): string | undefined {
  if (process.platform !== 'linux') return `this is ${process.platform}, lab nodes need Linux`;
  const root = process.getuid?.() === 0;
  if (!root) return 'not running as root';
  if (process.env['CI']) return undefined;
  try {
    execFileSync('unshare', ['--net', '--mount', '--pid', '--fork', 'true'], { stdio: 'ignore' });
  } catch {
    return 'cannot create namespaces (`unshare --net --mount --pid` failed)';
  }
  const missing = LAB_BINARIES.filter(({ bin }) => {
    try {
      execFileSync('sh', ['-c', `command -v ${bin} || test -x /usr/sbin/${bin}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) return `missing packages ${[...new Set(missing.map((m) => m.pkg))].join(' ')} (run scripts/lab-setup.sh)`;
  return undefined;
}

export const labSkipReason: string | undefined = skipReason();

if (labSkipReason) {
  const line = '!'.repeat(78);
  console.warn(`\n${line}\n!! END-TO-END LAB TESTS SKIPPED: ${labSkipReason}\n${line}\n`);
}

/** `describe` that skips the block when lab nodes cannot run here (see labSkipReason). */
export const describeLab = describe.skipIf(Boolean(labSkipReason));

/**
 * A test run holds its lab name for its whole duration: another process (a second vitest run of
 * the same file on a shared machine) waits instead of tearing the lab down under it.
 */
async function acquireLabLease(name: string): Promise<string> {
  const lease = join(LAB_STATE_ROOT, `${name}.lease`);
  await mkdir(LAB_STATE_ROOT, { recursive: true });
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      await writeFile(lease, String(process.pid), { flag: 'wx' });
      return lease;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number((await readFile(lease, 'utf8').catch(() => '')).trim());
    if (owner === process.pid) return lease;
    if (!pidAlive(owner)) {
      await rm(lease, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`lab ${name} is in use by PID ${owner} (lease ${lease})`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startLab(opts: StartLabOptions): Promise<LabHandle> {
  const name = opts.name;
  const lease = await acquireLabLease(name);
  let state;
  try {
    if (!opts.reuse) await labDown(name);
    ({ state } = await labUp({ name, nodes: opts.nodes ?? 3, layout: opts.layout ?? 'all-roles', cwd: process.cwd(), env: process.env }));
  } catch (err) {
    await labDown(name).catch(() => undefined);
    await rm(lease, { force: true });
    throw err;
  }
  const files = labDirFiles(state.dir);
  const nodes = state.nodes.map((n) => ({ address: n.address, hostname: n.hostname, roles: n.roles, pid: n.init!.pid }));
  return {
    name,
    dir: state.dir,
    nodes,
    clusterYmlPath: files.clusterYml,
    keyPath: files.key,
    knownHostsPath: files.knownHosts,
    labJsonPath: files.labJson,
    async exec(nodeIndex, cmd, execOpts = {}) {
      const node = nodes[nodeIndex];
      if (!node) throw new Error(`lab ${name} has no node ${nodeIndex}`);
      const r = await execa('nsenter', ['-t', String(node.pid), '-a', '--', '/bin/sh', '-c', cmd], {
        reject: false,
        env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
        extendEnv: false,
        ...(execOpts.input === undefined ? {} : { input: execOpts.input }),
      });
      return { code: r.exitCode ?? -1, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
    },
    async stop() {
      try {
        await labDown(name);
      } finally {
        await rm(lease, { force: true });
      }
    },
  };
}
