import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { request } from 'node:http';
import { join } from 'node:path';
import { DroverError } from '../errors.js';
import type { LabNetwork } from './layout.js';
import type { LabNodeState } from './state.js';
import { childPids, isRunning, killAndWait, processRef, waitFor, type ProcessRef } from './proc.js';
import { addNodeVeth, linkExists, removeVeth } from './host-network.js';
import { removeCgroupTree } from './cgroups.js';

const READY_TIMEOUT_MS = 60_000;
/** Generous: on a loaded 2-core machine sshd can take seconds to send its banner. */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * Start a node: the detached launcher joins the node's cgroups and unshares; its forked child is
 * the node's PID 1, whose network namespace then gets the veth. Returns the two processes.
 */
export async function launchNode(
  node: LabNodeState,
  scripts: { launchScript: string; nodeInitScript: string },
  net: LabNetwork,
): Promise<{ launcher: ProcessRef; init: ProcessRef }> {
  const log = openSync(join(node.nodeDir, 'console.log'), 'a');
  let launcherPid: number | undefined;
  try {
    const child = spawn('/bin/sh', [scripts.launchScript, scripts.nodeInitScript, node.nodeDir, ...node.cgroups.map((d) => join(d, 'cgroup.procs'))], {
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.on('error', () => undefined);
    child.unref();
    launcherPid = child.pid;
  } finally {
    closeSync(log);
  }
  if (launcherPid === undefined) throw new DroverError(`lab: could not start node ${node.hostname}`);
  const launcher = await processRef(launcherPid);
  try {
    const init = await findNodeInit(launcherPid);
    if (!launcher || !init) throw await nodeFailure(node, 'its namespaces were not created');
    try {
      await addNodeVeth(node, net, init.pid);
    } catch (err) {
      await killAndWait(init);
      throw err;
    }
    return { launcher, init };
  } catch (err) {
    // Nothing we started may outlive a failed launch: the state file does not know these PIDs yet.
    await killAndWait(launcher);
    throw err;
  }
}

async function findNodeInit(launcherPid: number): Promise<ProcessRef | undefined> {
  const ownNetNs = await readlink('/proc/self/ns/net');
  // The launcher's child counts once it is in a network namespace of its own.
  const initPid = await waitFor(async () => {
    for (const pid of await childPids(launcherPid)) {
      if ((await readlink(`/proc/${pid}/ns/net`).catch(() => ownNetNs)) !== ownNetNs) return pid;
    }
    return undefined;
  }, 30_000, 5);
  return initPid === undefined ? undefined : processRef(initPid);
}

/** Wait until the node's sshd answers with a banner and its dockerd answers /_ping. */
export async function waitNodeReady(node: LabNodeState): Promise<void> {
  const init = node.init;
  const ready = await waitFor(
    async () => {
      if (!(await isRunning(init))) throw await nodeFailure(node, 'its PID 1 exited');
      return (await sshBanner(node.address)) && init && (await dockerPing(init.pid)) ? true : undefined;
    },
    READY_TIMEOUT_MS,
    50,
  );
  if (!ready) throw await nodeFailure(node, `sshd or dockerd did not answer within ${READY_TIMEOUT_MS / 1000} s`);
}

export interface NodeHealth {
  running: boolean;
  veth: boolean;
  ssh: boolean;
  docker: boolean;
}

export async function nodeHealth(node: LabNodeState): Promise<NodeHealth> {
  const running = await isRunning(node.init);
  const [veth, ssh, docker] = await Promise.all([
    linkExists(node.hostVeth),
    running ? sshBanner(node.address) : false,
    running && node.init ? dockerPing(node.init.pid) : false,
  ]);
  return { running, veth, ssh, docker };
}

export const isHealthy = (h: NodeHealth) => h.running && h.veth && h.ssh && h.docker;

/** Veth first (LAB.md), then the node's PID 1 (which takes every process and mount in it along), then cgroups. */
export async function stopNode(node: LabNodeState): Promise<void> {
  await removeVeth(node);
  const initGone = await killAndWait(node.init);
  const launcherGone = await killAndWait(node.launcher);
  if (!initGone || !launcherGone) throw new DroverError(`lab: node ${node.hostname} (PID ${node.init?.pid}) did not exit`);
  for (const dir of node.cgroups) await removeCgroupTree(dir);
}

function sshBanner(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port: 22, timeout: PROBE_TIMEOUT_MS });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('data', (chunk) => done(chunk.toString('latin1').startsWith('SSH-')));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** The node's docker.sock, reached from the host through its PID 1's view of the filesystem. */
export const nodeDockerSocket = (initPid: number) => `/proc/${initPid}/root/run/docker.sock`;

function dockerPing(initPid: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: nodeDockerSocket(initPid), path: '/_ping', timeout: PROBE_TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

async function nodeFailure(node: LabNodeState, what: string): Promise<DroverError> {
  const tail = async (file: string) =>
    (await readFile(file, 'utf8').catch(() => '')).trim().split('\n').slice(-6).map((l) => `    ${l}`).join('\n');
  const logs = [
    ['init.log', join(node.nodeDir, 'init.log')],
    ['console.log', join(node.nodeDir, 'console.log')],
    ['dockerd.log', join(node.nodeDir, 'root', 'var', 'log', 'dockerd.log')],
    ['sshd.log', join(node.nodeDir, 'root', 'var', 'log', 'sshd.log')],
  ] as const;
  const parts: string[] = [];
  for (const [name, file] of logs) {
    const text = await tail(file);
    if (text) parts.push(`  ${name}:\n${text}`);
  }
  return new DroverError(`lab: node ${node.hostname} (${node.address}) failed: ${what}\n${parts.join('\n')}`, {
    hint: `node files are in ${node.nodeDir}; \`drover lab down\` cleans up`,
  });
}
