import { describe, expect, it } from 'vitest';
import { diagnosePod, schedulerMessage } from '../../../src/kube/pod-diagnosis.js';
import { rolloutStatus } from '../../../src/kube/rollout-status.js';
import { nodeProblem } from '../../../src/kube/wait.js';
import type { Pod, Workload } from '../../../src/kube/types.js';

const deployment = (status: Workload['status'], replicas = 2, generation = 3): Workload => ({ metadata: { name: 'd', namespace: 'ns', generation }, spec: { replicas }, status });

describe('rollout status', () => {
  it('is done for a Deployment when every replica is updated and available and old ones are gone', () => {
    expect(rolloutStatus('Deployment', deployment({ observedGeneration: 3, replicas: 2, updatedReplicas: 2, availableReplicas: 2 })).done).toBe(true);
    expect(rolloutStatus('Deployment', deployment({ observedGeneration: 3, replicas: 3, updatedReplicas: 2, availableReplicas: 2 })).done).toBe(false);
    expect(rolloutStatus('Deployment', deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }))).toEqual({
      done: false,
      progress: '2 of 2 replicas available (its controller has not seen the latest spec)',
    });
  });

  it('gives up on a Deployment past its progress deadline, with the controller message', () => {
    const s = rolloutStatus('Deployment', deployment({ observedGeneration: 3, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "d-1" has timed out progressing.' }] }));
    expect(s.failure).toBe('ReplicaSet "d-1" has timed out progressing.');
  });

  it('counts DaemonSet pods against the nodes they should run on', () => {
    const ds: Workload = { metadata: { name: 'ds', namespace: 'ns', generation: 1 }, spec: {}, status: { observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 } };
    expect(rolloutStatus('DaemonSet', ds)).toEqual({ done: false, progress: '2 of 3 pods available, 3 updated' });
  });
});

describe('pod diagnosis', () => {
  const pod = (status: Pod['status'], nodeName?: string): Pod => ({ metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [], ...(nodeName ? { nodeName } : {}) }, status });

  it('prefers the image that cannot be pulled', () => {
    const d = diagnosePod(pod({ phase: 'Pending', containerStatuses: [{ name: 'c', image: 'x/y:1', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull', message: 'not found' } } }] }));
    expect(d.summary).toBe('pod p: ErrImagePull for image "x/y:1": not found');
  });

  it('asks for the log lines of a crashing container', () => {
    const d = diagnosePod(pod({ phase: 'Running', containerStatuses: [{ name: 'c', image: 'i', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } }] }));
    expect(d).toMatchObject({ summary: 'pod p: container c CrashLoopBackOff (restarts 3, last exit code 1)', needs: { logsOf: 'c' } });
  });

  it('quotes the scheduler for a pod that cannot be placed', () => {
    const d = diagnosePod(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 node(s) had taint.' }] }));
    expect(d.summary).toBe('pod p: not scheduled: 0/3 nodes are available: 3 node(s) had taint.');
    expect(schedulerMessage([{ reason: 'FailedScheduling', message: 'old', lastTimestamp: '2026-01-01T00:00:00Z' }, { reason: 'FailedScheduling', message: 'new', lastTimestamp: '2026-01-01T00:01:00Z' }])).toBe('new');
  });

  it('says when a running container fails its readiness probe', () => {
    expect(diagnosePod(pod({ phase: 'Running', containerStatuses: [{ name: 'c', image: 'i', ready: false, restartCount: 0, state: { running: {} } }] }, 'n1')).summary).toBe(
      'pod p: container c is running but not ready (readiness probe)',
    );
  });
});

describe('node problems', () => {
  it('says not registered, NotReady with the kubelet message, or Unknown', () => {
    expect(nodeProblem(undefined)).toBe('not registered (the kubelet has not joined)');
    expect(nodeProblem({ metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'cni config uninitialized' }] } })).toBe('NotReady (KubeletNotReady): cni config uninitialized');
    expect(nodeProblem({ metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown' }] } })).toBe('status Unknown (NodeStatusUnknown)');
  });
});
