import { readFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import type { LabLayout, LabNetwork, LabNodeSpec } from './layout.js';
import type { ProcessRef } from './proc.js';

/** lab.json: everything `down` and `status` need, above all the PIDs of the processes we started. */
export interface LabNodeState extends LabNodeSpec {
  /** The detached `unshare` process that launched the node (parent of its PID 1). */
  launcher?: ProcessRef;
  /** The node's PID 1 as the host sees it; killing it ends every process in the node. */
  init?: ProcessRef;
  /** Per-node cgroup v1/v2 directories we created (removed deepest first on down). */
  cgroups: string[];
  nodeDir: string;
}

export interface LabState {
  version: 1;
  name: string;
  dir: string;
  layout: LabLayout;
  network: LabNetwork;
  nodes: LabNodeState[];
  /** Host FORWARD rules we inserted, as iptables argument lists (deleted with -D on down). */
  forwardRules: string[][];
  createdAt: string;
}

export async function readLabState(stateFile: string): Promise<LabState | undefined> {
  let text: string;
  try {
    text = await readFile(stateFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text) as LabState;
}

export async function writeLabState(stateFile: string, state: LabState): Promise<void> {
  await writeFileAtomic(stateFile, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
}
