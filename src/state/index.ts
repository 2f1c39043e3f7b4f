/** Cluster state: the file beside cluster.yml, its encryption, the locks, and the copy on the nodes. */
export { StateStore } from './store.js';
export { CURRENT_SCHEMA_VERSION, type ClusterState, type StateContent, type StateHeader } from './cluster-state.js';
export { encodeState, decodeState, readStateHeader } from './codec.js';
export { resolveStateKey, type StateKey } from './encryption.js';
export { migrateState, MIGRATIONS, type Migration } from './migrations.js';
export { statePathFor, backupPathFor, lockPathFor, REMOTE_STATE_PATH, REMOTE_LOCK_DIR } from './paths.js';
export { acquireLocalLock, type HeldLock } from './local-lock.js';
export { acquireRemoteLock } from './remote-lock.js';
export { currentLockOwner, describeOwner, isStale, type LockOwner } from './lock-owner.js';
export { StateReplica, type ReplicaCopy, type ReplicaPushResult } from './replica.js';
export { openLocalState, type LocalStateSession } from './session.js';
