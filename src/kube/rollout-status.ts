import type { WorkloadKind } from '../addons/kube-object.js';
import type { Workload } from './types.js';

/** Where a rollout stands, as kubectl rollout status judges it. Pure: unit-tested on plain objects. */
export interface RolloutStatus {
  done: boolean;
  /** "1 of 2 replicas available", "0 of 3 pods updated" ... */
  progress: string;
  /** Set when the controller has given up (Deployment ProgressDeadlineExceeded) or refused (ReplicaFailure). */
  failure?: string;
}

export function rolloutStatus(kind: WorkloadKind, w: Workload): RolloutStatus {
  const counted = countedStatus(kind, w);
  const s = w.status ?? {};
  if (w.metadata.generation !== undefined && (s.observedGeneration ?? 0) < w.metadata.generation) {
    return { done: false, progress: `${counted.progress} (its controller has not seen the latest spec)` };
  }
  return counted;
}

function countedStatus(kind: WorkloadKind, w: Workload): RolloutStatus {
  const s = w.status ?? {};
  if (kind === 'DaemonSet') {
    const desired = s.desiredNumberScheduled ?? 0;
    const updated = s.updatedNumberScheduled ?? 0;
    const available = s.numberAvailable ?? 0;
    return { done: updated >= desired && available >= desired, progress: `${available} of ${desired} pods available, ${updated} updated` };
  }
  const wanted = w.spec.replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  if (kind === 'StatefulSet') {
    const ready = s.readyReplicas ?? 0;
    const rolling = (w.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
    return { done: ready >= wanted && (!rolling || updated >= wanted), progress: `${ready} of ${wanted} replicas ready` };
  }
  const available = s.availableReplicas ?? 0;
  const total = s.replicas ?? 0;
  const stuck = s.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
  const refused = s.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  const failure = refused?.message ?? (stuck ? stuck.message ?? 'progress deadline exceeded' : undefined);
  return {
    done: updated >= wanted && available >= wanted && total <= wanted,
    progress: `${available} of ${wanted} replicas available`,
    ...(failure ? { failure } : {}),
  };
}
