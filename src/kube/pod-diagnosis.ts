import type { ContainerStatus, KubeEvent, Pod } from './types.js';

/**
 * Why a pod does not become ready, in one line, from its status alone (pure). The caller adds
 * log lines (CrashLoopBackOff) or the scheduler's event (Pending) when `needs` asks for them.
 */
export interface PodDiagnosis {
  pod: string;
  summary: string;
  needs?: { logsOf: string } | { schedulerEvent: true };
  /** Higher is more telling; the worst pod of a workload is reported. */
  weight: number;
}

/** The weight of an image that cannot be pulled (the most telling reason). */
export const PULL_FAILURE_WEIGHT = 5;

const PULL_FAILURES = ['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull'];
const START_FAILURES = ['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError'];

export function diagnosePod(pod: Pod): PodDiagnosis {
  const name = pod.metadata.name;
  const statuses: ContainerStatus[] = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const c of statuses) {
    const reason = c.state?.waiting?.reason ?? '';
    const message = c.state?.waiting?.message;
    if (PULL_FAILURES.includes(reason)) {
      return { pod: name, weight: PULL_FAILURE_WEIGHT, summary: `pod ${name}: ${reason} for image "${c.image}"${message ? `: ${message}` : ''}` };
    }
    if (reason === 'CrashLoopBackOff' || (c.lastState?.terminated && c.restartCount > 0 && !c.ready)) {
      const exit = c.lastState?.terminated?.exitCode;
      return {
        pod: name,
        weight: 4,
        summary: `pod ${name}: container ${c.name} ${reason || 'keeps restarting'} (restarts ${c.restartCount}${exit === undefined ? '' : `, last exit code ${exit}`})`,
        needs: { logsOf: c.name },
      };
    }
    if (START_FAILURES.includes(reason)) return { pod: name, weight: 4, summary: `pod ${name}: container ${c.name} ${reason}${message ? `: ${message}` : ''}` };
  }
  const phase = pod.status?.phase ?? 'Pending';
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (phase === 'Pending' && scheduled?.status === 'False') {
    return { pod: name, weight: 3, summary: `pod ${name}: not scheduled${scheduled.message ? `: ${scheduled.message}` : ''}`, needs: { schedulerEvent: true } };
  }
  if (phase === 'Pending' && !pod.spec.nodeName) {
    return { pod: name, weight: 2, summary: `pod ${name}: Pending, not scheduled to any node (is kube-scheduler running?)` };
  }
  const waiting = statuses.find((c) => c.state?.waiting);
  if (waiting) return { pod: name, weight: 2, summary: `pod ${name}: container ${waiting.name} waiting (${waiting.state?.waiting?.reason ?? 'unknown reason'})` };
  const unready = statuses.find((c) => !c.ready);
  if (unready) return { pod: name, weight: 1, summary: `pod ${name}: container ${unready.name} is running but not ready (readiness probe)` };
  return { pod: name, weight: 0, summary: `pod ${name}: ${phase}${pod.status?.reason ? ` (${pod.status.reason})` : ''}` };
}

/** The newest scheduling failure among a pod's events. */
export function schedulerMessage(events: KubeEvent[]): string | undefined {
  const failed = events.filter((e) => e.reason === 'FailedScheduling');
  const newest = failed.sort((a, b) => String(b.lastTimestamp ?? b.eventTime ?? '').localeCompare(String(a.lastTimestamp ?? a.eventTime ?? '')))[0];
  return newest?.message;
}
