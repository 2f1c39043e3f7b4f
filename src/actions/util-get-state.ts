import { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import { loadClusterModel } from '../config/index.js';
import { readFile } from 'node:fs/promises';
import { DroverError } from '../errors.js';
import { readStateHeader } from '../state/index.js';
import { openSession, stateReplica } from './session.js';

/**
 * `drover util get-state`: rebuild a lost (or older) local state from the newest copy kept on the
 * control-plane and etcd nodes. The copy is taken byte for byte: encrypted stays encrypted.
 */
export async function utilGetState(opts: { config: string }, io: IoHost): Promise<ExitCode> {
  const { model } = await loadClusterModel(opts.config, io.env, { purpose: 'validate' });
  // The local file is not read through the store: it may be the corrupt file being replaced.
  const session = await openSession(model, io, { command: 'util get-state', loadState: false });
  try {
    const newest = await stateReplica(model, session.transport).pullNewest();
    if (!newest) {
      throw new DroverError('no node holds a copy of the cluster state', { hint: 'copies are kept after each successful `drover up`; was this cluster ever brought up with drover?' });
    }
    const local = readStateHeader(await readFile(session.store.path, 'utf8').catch(() => ''));
    if (local && local.generation > newest.generation) {
      throw new DroverError(`the local state (generation ${local.generation}) is newer than the copy on ${newest.address} (generation ${newest.generation}); nothing was changed`);
    }
    await session.store.restore(newest.text, `${newest.address}:/var/lib/drover`);
    const message = `state generation ${newest.generation} (saved ${newest.savedAt}) restored from ${newest.address} to ${session.store.path}`;
    io.stdout.write(io.output === 'json' ? JSON.stringify({ type: 'get-state', from: newest.address, generation: newest.generation, path: session.store.path }) + '\n' : message + '\n');
    return ExitCode.Ok;
  } finally {
    await session.close();
  }
}
