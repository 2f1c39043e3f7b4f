import type { Pod } from './types.js';

export interface DrainSelection {
  /** Pods to evict (emptyDir data is deleted with them, like --delete-emptydir-data). */
  evict: Pod[];
  /** Pods left alone, with why: DaemonSet pods (--ignore-daemonsets) and mirror (static) pods. */
  skipped: { pod: Pod; reason: string }[];
  /** Pods no controller would recreate: drained only with `force` (kubectl drain --force). */
  unmanaged: Pod[];
}

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

/** kubectl drain's filters, as drover applies them (pure). */
export function selectPodsForDrain(pods: readonly Pod[], opts: { force: boolean }): DrainSelection {
  const out: DrainSelection = { evict: [], skipped: [], unmanaged: [] };
  for (const pod of pods) {
    const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    const controller = pod.metadata.ownerReferences?.find((o) => o.controller);
    if (pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined) out.skipped.push({ pod, reason: 'mirror pod (static, managed by the kubelet)' });
    else if (controller?.kind === 'DaemonSet' && !finished) out.skipped.push({ pod, reason: `DaemonSet ${controller.name}` });
    else if (!controller && !finished && !opts.force) out.unmanaged.push(pod);
    else out.evict.push(pod);
  }
  return out;
}

export const podName = (p: Pod): string => `${p.metadata.namespace}/${p.metadata.name}`;
