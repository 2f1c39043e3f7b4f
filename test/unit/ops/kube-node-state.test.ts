import { describe, expect, it } from 'vitest';
import { metaPatch, nodeReadiness } from '../../../src/ops/kube-node-state.js';
import type { KubeNode } from '../../../src/plan/kube-ops.js';
import type { NodeMeta } from '../../../src/plan/kube-plane-ops.js';

const meta = (extra: Partial<NodeMeta> = {}): NodeMeta => ({ labels: { 'node-role.kubernetes.io/worker': 'true' }, taints: [], dropLabels: [], dropTaints: [], ...extra });
const node = (extra: Partial<KubeNode> = {}): KubeNode => ({ metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } }, spec: {}, ...extra });

describe('Node labels, taints and podCIDR', () => {
  it('adds missing labels, sets podCIDR once, and leaves others\' labels and taints alone', () => {
    const n = node({ spec: { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] } });
    const patch = metaPatch(n, meta({ podCidr: '10.42.3.0/24' }));
    expect(patch).toEqual({
      metadata: { labels: { 'node-role.kubernetes.io/worker': 'true' } },
      spec: { podCIDR: '10.42.3.0/24', podCIDRs: ['10.42.3.0/24'] },
    });
  });

  it('removes what drover set before and no longer wants; nothing to do when all is in place', () => {
    const n = node({
      metadata: { name: 'n1', labels: { 'node-role.kubernetes.io/worker': 'true', team: 'a' } },
      spec: { podCIDR: '10.42.3.0/24', taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }, { key: 'other', effect: 'NoExecute' }] },
    });
    const patch = metaPatch(n, meta({ dropLabels: ['team'], dropTaints: ['dedicated'], podCidr: '10.42.9.0/24' }));
    expect(patch).toEqual({ metadata: { labels: { team: null } }, spec: { taints: [{ key: 'other', effect: 'NoExecute' }] } });
    const settled = node({ metadata: { name: 'n1', labels: { 'node-role.kubernetes.io/worker': 'true' } }, spec: { podCIDR: '10.42.3.0/24' } });
    expect(metaPatch(settled, meta({ podCidr: '10.42.3.0/24' }))).toBeUndefined();
  });

  it('says why a node is not Ready', () => {
    expect(nodeReadiness(node())).toBe('no Ready condition yet');
    expect(nodeReadiness(node({ status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'cni config uninitialized' }] } }))).toBe(
      'NotReady (KubeletNotReady: cni config uninitialized)',
    );
    expect(nodeReadiness(node({ status: { conditions: [{ type: 'Ready', status: 'True' }] } }))).toBe('Ready');
  });
});
