import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import { describe } from 'vitest';
import { labDown, labUp } from '../../src/lab/lab.js';
import type { LabLayout } from '../../src/lab/layout.js';
import { labDirFiles } from '../../src/lab/paths.js';
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
  /** Run `sh -c cmd` inside node `nodeIndex` (0-based): its mounts, network, PIDs and hostname. */
  exec(nodeIndex: number, cmd: string, opts?: { input?: string }): Promise<ExecResult>;
  /** Tear the lab down completely (idempotent). */
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

export async function startLab(opts: StartLabOptions): Promise<LabHandle> {
  const name = opts.name;
  if (!opts.reuse) await labDown(name);
  let state;
  try {
    ({ state } = await labUp({ name, nodes: opts.nodes ?? 3, layout: opts.layout ?? 'all-roles', cwd: process.cwd(), env: process.env }));
  } catch (err) {
    await labDown(name).catch(() => undefined);
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
      await labDown(name);
    },
  };
}
