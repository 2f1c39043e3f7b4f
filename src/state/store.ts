import { readFile, stat } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import { CURRENT_SCHEMA_VERSION, type ClusterState, type StateContent } from './cluster-state.js';
import { decodeState, encodeState, readStateHeader } from './codec.js';
import type { StateKey } from './encryption.js';
import { backupPathFor } from './paths.js';

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);
const readText = (path: string): Promise<string | undefined> =>
  readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });

/**
 * The local state file: read (decrypting and migrating), and written atomically at mode 0600
 * with the previous version kept as <file>.bak. Callers hold the lock around load → save.
 */
export class StateStore {
  readonly backupPath: string;
  constructor(
    readonly path: string,
    private readonly key: StateKey | undefined,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.backupPath = backupPathFor(path);
  }

  get encrypted(): boolean {
    return this.key !== undefined;
  }

  /** undefined when there is no state yet (a cluster drover has not built). */
  async load(): Promise<ClusterState | undefined> {
    const text = await readText(this.path);
    if (text === undefined) return undefined;
    return this.decode(text, this.path);
  }

  /** Decode text from elsewhere (a copy from a node) with this store's key. */
  async decode(text: string, file: string): Promise<ClusterState> {
    const backup = (await exists(this.backupPath)) ? this.backupPath : undefined;
    return decodeState(text, { file, ...(backup && file === this.path ? { backup } : {}) }, this.key);
  }

  /** Save a new generation; returns what was written (the text replicas receive). */
  async save(content: StateContent): Promise<{ state: ClusterState; text: string }> {
    const current = await readText(this.path);
    const generation = (current === undefined ? 0 : (readStateHeader(current)?.generation ?? 0)) + 1;
    const state: ClusterState = { ...content, schemaVersion: CURRENT_SCHEMA_VERSION, generation, savedAt: this.clock().toISOString() };
    const text = await encodeState(state, this.key);
    await this.writeText(text, current !== undefined);
    return { state, text };
  }

  /** Put text that decodes with this store's key in place (`util get-state`), keeping a backup. */
  async restore(text: string, from: string): Promise<ClusterState> {
    const state = await this.decode(text, from);
    await this.writeText(text, await exists(this.path));
    return state;
  }

  private async writeText(text: string, hadState: boolean): Promise<void> {
    // The backup is written atomically too: a crash leaves either the old or the new backup.
    if (hadState) await writeFileAtomic(this.backupPath, await readFile(this.path), { mode: 0o600 });
    await writeFileAtomic(this.path, text, { mode: 0o600 });
  }
}
