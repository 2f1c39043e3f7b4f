import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DroverError } from '../errors.js';
import { chooseSlot, labNetwork, labNodeSpecs, validateLabName, type LabLayout } from './layout.js';
import { LAB_STATE_ROOT, defaultLabDir, labPaths, nodeDirOf, type LabPaths } from './paths.js';
import { readLabState, writeLabState, type LabNodeState, type LabState } from './state.js';
import { assertLabPrerequisites } from './prereqs.js';
import { withLock } from './lock.js';
import { LAUNCH_SCRIPT, NODE_INIT_SCRIPT, RUNC_WRAPPER_SCRIPT } from './scripts.js';
import { attachVeth, ensureBridge, ensureForwardRules, forwardRules, linkExists, removeBridge, removeForwardRules, routedLabSlots } from './host-network.js';
import { cgroupAliases, cgroupMounts, createNodeCgroups } from './cgroups.js';
import { hostPublicKey, writeCgroupFiles, writeNodeFiles } from './node-files.js';
import { isHealthy, launchNode, nodeHealth, stopNode, waitNodeReady, type NodeHealth } from './node.js';
import { isRunning } from './proc.js';
import { ensureClientKey, removeClusterFiles, writeClusterFiles, writeLabJson } from './cluster-files.js';
import { clusterImageRefs, ensureClusterLabImages } from './lab-images.js';
import { labClusterSettings, labJson } from './lab-settings.js';
import { stopLabRegistry } from './registry.js';

export interface LabUpRequest {
  name: string;
  nodes: number;
  layout: LabLayout;
  /** Where cluster.yml, id_ed25519 and known_hosts go (relative to cwd); default ~/.drover-lab/<name>. */
  dir?: string;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Lines about slow steps (the one-time Kubernetes build takes minutes); stderr in the CLI. */
  progress?: (line: string) => void;
}

export type LabUpOutcome = 'created' | 'running' | 'repaired';

export interface LabUpResult {
  state: LabState;
  outcome: LabUpOutcome;
  /** Nodes (hostnames) that were started by this call. */
  started: string[];
}

/** Bring a lab to N healthy nodes: create it, leave it alone if it runs, or restart dead nodes. */
export async function labUp(req: LabUpRequest): Promise<LabUpResult> {
  await assertLabPrerequisites();
  const name = validateLabName(req.name);
  const paths = labPaths(name);
  return withLock(paths.lockFile, `lab "${name}"`, async () => {
    const previous = await readLabState(paths.stateFile);
    const dir = resolve(req.cwd, req.dir ?? previous?.dir ?? defaultLabDir(name, req.env));
    if (previous && previous.dir !== dir) await removeClusterFiles(previous.dir);
    const state = previous ?? (await allocateLab(name, dir, req.layout, paths));
    state.dir = dir;
    state.layout = req.layout;
    await resizeLab(state, req.nodes);
    await writeLabState(paths.stateFile, state);

    // Independent preparations run side by side: each is a handful of processes.
    const [[mounts, aliases]] = await Promise.all([
      Promise.all([cgroupMounts(), cgroupAliases()]),
      writeLabScripts(paths),
      ensureBridge(state.network).then(() => ensureForwardRules(state.forwardRules)),
      ensureClientKey(dir, name).then((key) => writeFile(paths.authorizedKeys, key + '\n', { mode: 0o600 })),
      // Node files are rewritten even for running nodes: /etc/hosts lists every node.
      ...state.nodes.map((node) =>
        writeNodeFiles({
          nodeDir: node.nodeDir, node, allNodes: state.nodes, network: state.network,
          authorizedKeysFile: paths.authorizedKeys, runcWrapper: paths.runcWrapper,
        }),
      ),
    ]);
    const started: string[] = [];
    await Promise.all(
      state.nodes.map(async (node) => {
        // A live node is never restarted for answering slowly (a loaded machine): wait for it.
        if ((await isRunning(node.init)) && (await linkExists(node.hostVeth))) {
          await attachVeth(node, state.network); // the bridge may have been re-created
          await waitNodeReady(node);
          return;
        }
        if (node.init || node.launcher) await stopNode(node);
        node.cgroups = await createNodeCgroups(mounts, `drover-lab-${name}-${node.index}`);
        await writeCgroupFiles(node.nodeDir, mounts, aliases);
        const { launcher, init } = await launchNode(node, paths, state.network);
        Object.assign(node, { launcher, init });
        await writeLabState(paths.stateFile, state);
        await waitNodeReady(node);
        started.push(node.hostname);
      }),
    );
    const hostKeys = await Promise.all(state.nodes.map(async (n) => ({ address: n.address, publicKey: await hostPublicKey(n.nodeDir) })));
    // The registry and its images: the cluster.yml written next points the nodes at them.
    const images = await ensureClusterLabImages(state, req.env, req.progress);
    const refs = clusterImageRefs(images);
    const registryHost = images.registry.endpoint.host;
    await writeClusterFiles(state, hostKeys, labClusterSettings(registryHost, refs));
    await writeLabJson(dir, labJson({
      registryHost, passwordFile: images.registry.passwordFile, kubectl: images.kubectl,
      kubernetesVersion: images.kubernetesVersion, images: refs,
    }));
    const outcome: LabUpOutcome = !previous ? 'created' : started.length > 0 ? 'repaired' : 'running';
    return { state, outcome, started };
  });
}

/** Stop a lab: every process we started, its veths, bridge, rules, cgroups, state and DIR files. */
export async function labDown(rawName: string): Promise<LabState | undefined> {
  await assertLabPrerequisites();
  const name = validateLabName(rawName);
  const paths = labPaths(name);
  return withLock(paths.lockFile, `lab "${name}"`, async () => {
    const state = await readLabState(paths.stateFile);
    if (!state) return undefined;
    await Promise.all(state.nodes.map((node) => stopNode(node)));
    await stopLabRegistry(state);
    await removeForwardRules(state.forwardRules);
    await removeBridge(state.network);
    await assertNoMountsUnder(paths.stateDir);
    await rm(paths.stateDir, { recursive: true, force: true });
    await removeClusterFiles(state.dir);
    return state;
  });
}

export interface LabStatus {
  state: LabState;
  nodes: (LabNodeState & { health: NodeHealth })[];
  healthy: boolean;
}

export async function labStatus(rawName: string): Promise<LabStatus | undefined> {
  const name = validateLabName(rawName);
  const state = await readLabState(labPaths(name).stateFile);
  if (!state) return undefined;
  const nodes = await Promise.all(state.nodes.map(async (n) => ({ ...n, health: await nodeHealth(n) })));
  return { state, nodes, healthy: nodes.every((n) => isHealthy(n.health)) };
}

/** Pick a subnet no other lab and no existing route uses, and record it before releasing the lock. */
async function allocateLab(name: string, dir: string, layout: LabLayout, paths: LabPaths): Promise<LabState> {
  return withLock(join(LAB_STATE_ROOT, '.subnets.lock'), 'lab subnet allocation', async () => {
    const taken = await routedLabSlots();
    for (const other of await readdir(LAB_STATE_ROOT).catch(() => [] as string[])) {
      if (other === name) continue;
      const s = await readLabState(join(LAB_STATE_ROOT, other, 'lab.json')).catch(() => undefined);
      if (s) taken.add(s.network.slot);
    }
    const network = labNetwork(chooseSlot(name, taken));
    const state: LabState = {
      version: 1, name, dir, layout, network, nodes: [],
      forwardRules: forwardRules(network), createdAt: new Date().toISOString(),
    };
    await mkdir(paths.stateDir, { recursive: true, mode: 0o700 });
    await writeLabState(paths.stateFile, state);
    return state;
  });
}

/** Same names and addresses by index: extra nodes are stopped and removed, missing ones added. */
async function resizeLab(state: LabState, count: number): Promise<void> {
  const specs = labNodeSpecs(state.name, state.network.slot, count, state.layout);
  for (const extra of state.nodes.slice(count)) {
    await stopNode(extra);
    await rm(extra.nodeDir, { recursive: true, force: true });
  }
  const stateDir = labPaths(state.name).stateDir;
  state.nodes = specs.map((spec, i) => {
    const existing = state.nodes[i];
    return existing ? { ...existing, ...spec } : { ...spec, cgroups: [], nodeDir: nodeDirOf(stateDir, spec.index) };
  });
}

async function writeLabScripts(paths: LabPaths): Promise<void> {
  for (const [file, text] of [
    [paths.launchScript, LAUNCH_SCRIPT],
    [paths.nodeInitScript, NODE_INIT_SCRIPT],
    [paths.runcWrapper, RUNC_WRAPPER_SCRIPT],
  ] as const) {
    await writeFile(file, text);
    await chmod(file, 0o755);
  }
}

/** Node mounts live only in node mount namespaces; one visible here would make rm -rf unsafe. */
async function assertNoMountsUnder(dir: string): Promise<void> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const leftover = mountinfo.split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m === dir || m.startsWith(dir + '/'));
  if (leftover.length > 0) {
    throw new DroverError(`lab: mounts left under ${dir}: ${leftover.join(', ')}`, { hint: `unmount them (umount -R ${dir}) and run \`drover lab down\` again` });
  }
}
