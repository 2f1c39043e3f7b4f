import { describe, expect, it } from 'vitest';
import { selectPodsForDrain, podName } from '../../../src/kube/drain-select.js';
import type { Pod } from '../../../src/kube/types.js';

const pod = (name: string, extra: { owner?: string; mirror?: boolean; phase?: string; emptyDir?: boolean } = {}): Pod => ({
  metadata: {
    name,
    namespace: 'ns',
    ...(extra.owner ? { ownerReferences: [{ kind: extra.owner, name: `${name}-owner`, controller: true }] } : {}),
    ...(extra.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'hash' } } : {}),
  },
  spec: { containers: [{ name: 'c', image: 'i' }], ...(extra.emptyDir ? { volumes: [{ name: 'tmp', emptyDir: {} }] } : {}) },
  status: { phase: extra.phase ?? 'Running' },
});

describe('drain pod selection (kubectl drain --ignore-daemonsets --delete-emptydir-data)', () => {
  const pods = [
    pod('web', { owner: 'ReplicaSet', emptyDir: true }),
    pod('db', { owner: 'StatefulSet' }),
    pod('agent', { owner: 'DaemonSet' }),
    pod('static', { mirror: true }),
    pod('loner'),
    pod('job-done', { phase: 'Succeeded' }),
    pod('ds-failed', { owner: 'DaemonSet', phase: 'Failed' }),
  ];

  it('evicts managed pods (emptyDir too) and finished ones; skips DaemonSet and mirror pods; holds back unmanaged ones', () => {
    const s = selectPodsForDrain(pods, { force: false });
    expect(s.evict.map(podName)).toEqual(['ns/web', 'ns/db', 'ns/job-done', 'ns/ds-failed']);
    expect(s.skipped.map((x) => [podName(x.pod), x.reason])).toEqual([
      ['ns/agent', 'DaemonSet agent-owner'],
      ['ns/static', 'mirror pod (static, managed by the kubelet)'],
    ]);
    expect(s.unmanaged.map(podName)).toEqual(['ns/loner']);
  });

  it('evicts unmanaged pods too when forced', () => {
    const s = selectPodsForDrain(pods, { force: true });
    expect(s.unmanaged).toEqual([]);
    expect(s.evict.map(podName)).toContain('ns/loner');
  });
});
