import { posix } from 'node:path';
import type { Host } from '../transport/host.js';
import { readStateHeader } from './codec.js';
import { REMOTE_STATE_PATH } from './paths.js';

export interface ReplicaPushResult {
  stored: string[];
  failed: { address: string; error: string }[];
}

export interface ReplicaCopy {
  address: string;
  text: string;
  generation: number;
  savedAt: string;
}

/**
 * A copy of the state file (byte for byte, so still encrypted when encryption is on) kept on
 * the control-plane nodes after every successful change: `drover util get-state` rebuilds a lost
 * local state from the newest copy.
 */
export class StateReplica {
  constructor(
    private readonly hosts: Host[],
    private readonly remotePath: string = REMOTE_STATE_PATH,
  ) {}

  /** Store on every host; a failure on one host does not stop the others. */
  async push(text: string): Promise<ReplicaPushResult> {
    const results = await Promise.allSettled(
      this.hosts.map(async (host) => {
        await host.mkdir(posix.dirname(this.remotePath), { mode: 0o700 });
        await host.putFile(this.remotePath, text, { mode: 0o600 });
        return host.address;
      }),
    );
    const out: ReplicaPushResult = { stored: [], failed: [] };
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') out.stored.push(r.value);
      else out.failed.push({ address: this.hosts[i]!.address, error: (r.reason as Error).message });
    });
    return out;
  }

  /** Every readable copy, newest (highest generation) first; unreadable hosts are skipped. */
  async list(): Promise<ReplicaCopy[]> {
    const copies = await Promise.all(
      this.hosts.map(async (host): Promise<ReplicaCopy | undefined> => {
        try {
          if (!(await host.exists(this.remotePath))) return undefined;
          const text = (await host.getFile(this.remotePath)).toString('utf8');
          const header = readStateHeader(text);
          return header ? { address: host.address, text, generation: header.generation, savedAt: header.savedAt } : undefined;
        } catch {
          return undefined;
        }
      }),
    );
    return copies.filter((c): c is ReplicaCopy => c !== undefined).sort((a, b) => b.generation - a.generation);
  }

  async pullNewest(): Promise<ReplicaCopy | undefined> {
    return (await this.list())[0];
  }
}
