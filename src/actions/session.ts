import type { IoHost } from '../cli/io.js';
import type { ClusterModel } from '../model/cluster.js';
import { acquireLocalLock, acquireRemoteLock, currentLockOwner, lockPathFor, resolveStateKey, StateReplica, StateStore, statePathFor, type ClusterState, type HeldLock } from '../state/index.js';
import { openTransport, type NodeTransport } from '../transport/session.js';

/**
 * What every cluster-changing command holds while it runs: the local lock, the state, the SSH
 * connections, and the cluster-wide lock on the first etcd/control-plane node. Released on close,
 * in reverse order, also when the run fails.
 */
export interface Session {
  readonly model: ClusterModel;
  readonly store: StateStore;
  readonly previous: ClusterState | undefined;
  readonly transport: NodeTransport;
  readonly journalPath: string;
  close(): Promise<void>;
}

export interface SessionOptions {
  command: string;
  forceUnlock?: boolean;
  /** Dry runs read the state and the nodes but take no remote lock. */
  readOnly?: boolean;
  /** false: do not read the local state (it may be the broken thing being repaired). */
  loadState?: boolean;
  /** Read-only checks to run while the cluster lock is being taken (they must change nothing). */
  whileLocking?: (session: Session) => Promise<void>;
}

export async function openSession(model: ClusterModel, io: IoHost, opts: SessionOptions): Promise<Session> {
  const statePath = statePathFor(model.configPath);
  const owner = currentLockOwner(opts.command);
  const cleanups: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const release of cleanups.reverse()) await release().catch(() => undefined);
  };
  try {
    if (!opts.readOnly) {
      const local: HeldLock = await acquireLocalLock(lockPathFor(statePath), owner, { forceUnlock: opts.forceUnlock ?? false });
      cleanups.push(() => local.release());
    }
    const store = new StateStore(statePath, await resolveStateKey(io.env, io.cwd));
    const previous = opts.loadState === false ? undefined : await store.load();
    const transport = await openTransport(model, io.env);
    cleanups.push(() => transport.close());
    const lockNode = model.nodes.find((n) => n.roles.includes('etcd')) ?? model.nodes.find((n) => n.roles.includes('controlplane'));
    const session: Session = { model, store, previous, transport, journalPath: `${statePath}.journal`, close };
    const locking = async () => {
      if (opts.readOnly || !lockNode) return;
      const remote = await acquireRemoteLock(transport.host(lockNode), owner, { forceUnlock: opts.forceUnlock ?? false });
      cleanups.push(() => remote.release());
    };
    // Read-only work (preflight) overlaps taking the cluster lock; both settle before anything
    // is returned, so a lock taken while the other failed is still released by close().
    const settled = await Promise.allSettled([locking(), opts.whileLocking?.(session)]);
    const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    return session;
  } catch (err) {
    await close();
    throw err;
  }
}

/** The nodes that keep a copy of the state: control plane and etcd (they outlive workers). */
export function stateReplica(model: ClusterModel, transport: NodeTransport): StateReplica {
  const keepers = model.nodes.filter((n) => n.roles.includes('controlplane') || n.roles.includes('etcd'));
  return new StateReplica(keepers.map((n) => transport.host(n)));
}

/** After a successful change: copies on the nodes, so `drover util get-state` can rebuild a lost file. */
export async function keepStateCopies(session: Session, text: string, io: IoHost): Promise<void> {
  const result = await stateReplica(session.model, session.transport).push(text);
  for (const f of result.failed) io.stderr.write(`warning: could not keep a copy of the state on ${f.address}: ${f.error}\n`);
}
