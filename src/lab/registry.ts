import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { access, chmod, constants, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { DroverError } from '../errors.js';
import { labCacheDir } from './images.js';
import { linkExists } from './host-network.js';
import type { LabNetwork } from './layout.js';
import { isRunning, killAndWait, processRef, waitFor, type ProcessRef } from './proc.js';
import {
  REGISTRY_USER, labRegistryEndpoint, registryConfigYaml, registryLink, registryPaths, type RegistryEndpoint, type RegistryPaths,
} from './registry-config.js';
import { basicAuthorization, type RegistryCredentials } from './registry-protocol.js';
import { run, tryRun } from './run.js';

/**
 * The lab's private registry: Debian's docker-registry as a plain process in a network namespace
 * of its own, with a veth into the lab bridge (so lab nodes and the host reach it, nothing else),
 * htpasswd (bcrypt) auth, and storage cached per machine so pushed images outlive the lab.
 */

export const REGISTRY_BINARY = '/usr/bin/docker-registry';
const START_TIMEOUT_MS = 15_000;

export interface LabRef {
  name: string;
  /** The lab's DIR (cluster.yml, keys); the password file goes next to them. */
  dir: string;
  network: LabNetwork;
}

export interface RunningRegistry {
  endpoint: RegistryEndpoint;
  /** `http://address:port` */
  baseUrl: string;
  credentials: RegistryCredentials;
  passwordFile: string;
  /** True when this call (re)started the process. */
  started: boolean;
}

interface RegistryState {
  process: ProcessRef;
  address: string;
}

export const registryStorageDir = (env: Readonly<Record<string, string | undefined>>) => join(labCacheDir(env), 'registry');

/** Make sure the lab's registry runs with the current password; start or restart it if not. */
export async function ensureLabRegistry(lab: LabRef, env: Readonly<Record<string, string | undefined>>): Promise<RunningRegistry> {
  const paths = registryPaths(lab.name, lab.dir);
  const endpoint = labRegistryEndpoint(lab);
  const credentials = { username: REGISTRY_USER, password: await ensurePassword(paths.passwordFile) };
  const result = { endpoint, baseUrl: `http://${endpoint.host}`, credentials, passwordFile: paths.passwordFile };
  const state = await readRegistryState(paths.stateFile);
  if (state && (await isRunning(state.process)) && (await registryHealth(result.baseUrl, credentials)) === 'ok') {
    return { ...result, started: false };
  }
  await stopRegistryProcess(lab, paths);
  await assertRegistryPrerequisites();
  if (!(await linkExists(lab.network.bridge))) {
    throw new DroverError(`lab "${lab.name}": bridge ${lab.network.bridge} is missing, the registry needs it`, { hint: 'run `drover lab up` first' });
  }
  await writeRegistryFiles(paths, credentials, registryStorageDir(env));
  const proc = await spawnInOwnNetns(paths);
  try {
    await writeFileAtomic(paths.stateFile, JSON.stringify({ process: proc, address: endpoint.address } satisfies RegistryState) + '\n', { mode: 0o600 });
    await attachToBridge(lab.network, proc.pid, endpoint.address);
    const health = await waitFor(async () => {
      if (!(await isRunning(proc))) throw await registryFailure(paths, 'the process exited');
      const h = await registryHealth(result.baseUrl, credentials);
      return h === 'down' ? undefined : h;
    }, START_TIMEOUT_MS, 25);
    if (health !== 'ok') throw await registryFailure(paths, health ? `it answered "${health}" to the lab credentials` : `it did not answer within ${START_TIMEOUT_MS / 1000} s`);
  } catch (err) {
    // A half-started registry is not left behind: the process and its veth go, the log stays.
    await killAndWait(proc).catch(() => undefined);
    await stopRegistryProcess(lab, paths).catch(() => undefined);
    throw err;
  }
  return { ...result, started: true };
}

async function assertRegistryPrerequisites(): Promise<void> {
  const missing: string[] = [];
  if (!(await access(REGISTRY_BINARY, constants.X_OK).then(() => true, () => false))) missing.push('docker-registry');
  if (!(await tryRun('sh', ['-c', 'command -v htpasswd']))) missing.push('apache2-utils');
  if (missing.length > 0) {
    throw new DroverError(`the lab registry needs Debian ${missing.join(' and ')}`, { hint: 'run scripts/lab-setup.sh as root' });
  }
}

/** Stop the registry process and remove its veth and runtime files; the storage cache stays. */
export async function stopLabRegistry(lab: LabRef, opts: { keepPassword?: boolean } = {}): Promise<void> {
  const paths = registryPaths(lab.name, lab.dir);
  await stopRegistryProcess(lab, paths);
  await rm(paths.runDir, { recursive: true, force: true });
  if (!opts.keepPassword) await rm(paths.passwordFile, { force: true });
}

/** `ok`: 401 without and 200 with the credentials; `down`: no answer; otherwise what went wrong. */
export async function registryHealth(baseUrl: string, creds: RegistryCredentials): Promise<'ok' | 'down' | 'no-auth' | 'rejected'> {
  const anonymous = await statusOf(`${baseUrl}/v2/`);
  if (anonymous === undefined) return 'down';
  if (anonymous !== 401) return 'no-auth';
  return (await statusOf(`${baseUrl}/v2/`, basicAuthorization(creds))) === 200 ? 'ok' : 'rejected';
}

function statusOf(url: string, authorization?: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: 1000, headers: authorization ? { Authorization: authorization } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

async function ensurePassword(file: string): Promise<string> {
  const existing = await readFile(file, 'utf8').then((t) => t.trim(), () => '');
  if (existing) return existing;
  const password = randomBytes(24).toString('base64url');
  await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, password + '\n', { mode: 0o600 });
  return password;
}

async function writeRegistryFiles(paths: RegistryPaths, creds: RegistryCredentials, storageDir: string): Promise<void> {
  await mkdir(paths.runDir, { recursive: true, mode: 0o700 });
  await mkdir(storageDir, { recursive: true, mode: 0o700 });
  // bcrypt (-B) is the only hash docker-registry's htpasswd backend accepts; -i reads stdin, so the
  // password never appears in argv.
  const line = await run('htpasswd', ['-B', '-i', '-n', creds.username], { input: creds.password });
  await writeFile(paths.htpasswdFile, line.trim() + '\n', { mode: 0o600 });
  await chmod(paths.htpasswdFile, 0o600);
  const config = registryConfigYaml({ storageDir, htpasswdFile: paths.htpasswdFile, httpSecret: randomBytes(24).toString('hex') });
  await writeFile(paths.configFile, config, { mode: 0o600 });
}

/** `unshare --net` execs the registry in place: the PID we record is the registry itself. */
async function spawnInOwnNetns(paths: RegistryPaths): Promise<ProcessRef> {
  const log = openSync(paths.logFile, 'a');
  let pid: number | undefined;
  try {
    const child = spawn('unshare', ['--net', '--', REGISTRY_BINARY, 'serve', paths.configFile], { detached: true, stdio: ['ignore', log, log] });
    child.on('error', () => undefined);
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(log);
  }
  const ref = pid === undefined ? undefined : await processRef(pid);
  if (!ref) throw await registryFailure(paths, 'it did not start');
  return ref;
}

async function attachToBridge(net: LabNetwork, pid: number, address: string): Promise<void> {
  const link = registryLink(net);
  if (await linkExists(link.hostVeth)) await run('ip', ['link', 'del', link.hostVeth]);
  await run('ip', ['link', 'add', link.hostVeth, 'address', link.hostMac, 'type', 'veth', 'peer', 'name', 'eth0', 'address', link.nsMac, 'netns', String(pid)]);
  await run('ip', ['link', 'set', link.hostVeth, 'master', net.bridge, 'up']);
  const inNs = (args: string[]) => run('nsenter', ['-t', String(pid), '-n', 'ip', ...args]);
  await inNs(['link', 'set', 'lo', 'up']);
  await inNs(['addr', 'add', `${address}/${net.prefix}`, 'dev', 'eth0']);
  await inNs(['link', 'set', 'eth0', 'up']);
}

async function stopRegistryProcess(lab: LabRef, paths: RegistryPaths): Promise<void> {
  // The veth goes first (a namespace dying under a bridged veth leaves stale neighbour entries).
  const link = registryLink(lab.network);
  if (await linkExists(link.hostVeth)) await tryRun('ip', ['link', 'del', link.hostVeth]);
  const state = await readRegistryState(paths.stateFile);
  if (state && !(await killAndWait(state.process))) {
    throw new DroverError(`lab "${lab.name}": registry process ${state.process.pid} did not exit`, { hint: `kill -9 ${state.process.pid}` });
  }
  await rm(paths.stateFile, { force: true });
}

async function readRegistryState(file: string): Promise<RegistryState | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as RegistryState;
  } catch {
    return undefined;
  }
}

async function registryFailure(paths: RegistryPaths, why: string): Promise<DroverError> {
  const tail = await readFile(paths.logFile, 'utf8').then((t) => t.trim().split('\n').slice(-5).join('\n'), () => '');
  return new DroverError(`lab registry: ${why}${tail ? `\n${tail}` : ''}`, { hint: `see ${paths.logFile}` });
}
