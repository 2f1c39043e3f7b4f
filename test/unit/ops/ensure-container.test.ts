import { describe, expect, it } from 'vitest';
import { finalizeSpec, type ContainerSpec } from '../../../src/components/container-spec.js';
import { apiServerSpec } from '../../../src/components/kube-apiserver.js';
import { ensureContainer } from '../../../src/ops/ensure-container.js';
import type { Docker } from '../../../src/transport/docker.js';
import { testModel, testNode } from '../pki/model.js';

/** A Docker with one container of an older spec: records how it is stopped. */
function dockerWithOld(name: string) {
  const calls: string[] = [];
  const docker = {
    inspectContainer: async () => ({ id: 'old', name, image: 'x', labels: { 'io.drover.spec-hash': 'old' }, running: true, state: 'running' }),
    stopContainer: async (n: string, opts?: { timeoutSeconds?: number }) => void calls.push(`stop ${n} ${opts?.timeoutSeconds}`),
    removeContainer: async (n: string) => void calls.push(`remove ${n}`),
    createContainer: async () => 'new',
    startContainer: async (n: string) => void calls.push(`start ${n}`),
  } as unknown as Docker;
  return { docker, calls };
}

const spec = (extra: Partial<ContainerSpec> = {}): ContainerSpec =>
  finalizeSpec({ name: 'c', image: 'i', args: [], binds: [], env: [], networkMode: 'host', privileged: false, restart: 'always', labels: {}, ...extra });

describe('replacing a container', () => {
  it('gives it 30 s to stop, or what its spec says; the API server gets 5 (its watches never end by themselves)', async () => {
    const plain = dockerWithOld('c');
    expect(await ensureContainer(plain.docker, spec())).toBe('replaced');
    expect(plain.calls).toEqual(['stop c 30', 'remove c', 'start c']);

    const api = apiServerSpec({ model: testModel([testNode('10.0.0.1', ['etcd', 'controlplane', 'worker'])], { kubernetesVersion: 'v1.20.2' }), node: testNode('10.0.0.1', ['etcd', 'controlplane', 'worker']), image: 'k8s', verifyKubelets: false });
    const fast = dockerWithOld('kube-apiserver');
    await ensureContainer(fast.docker, api);
    expect(fast.calls[0]).toBe('stop kube-apiserver 5');
  });
});
