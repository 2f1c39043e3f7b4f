import { describe, expect, it } from 'vitest';
import { finalizeSpec, type ContainerSpec } from '../../../src/components/container-spec.js';
import { FILES_LABEL, filesNamedBy, withFileInputs } from '../../../src/plan/file-inputs.js';
import type { RemoteFile } from '../../../src/plan/ops.js';

const file = (path: string, content: string): RemoteFile => ({ path, content, mode: 0o600 });
const files = [
  file('/etc/kubernetes/ssl/kube-ca.pem', 'CA'),
  file('/etc/kubernetes/ssl/kube-node.pem', 'NODE'),
  file('/etc/kubernetes/ssl/kube-node-key.pem', 'NODE KEY'),
  file('/etc/kubernetes/ssl/kubecfg-kube-node.yaml', 'client-certificate: /etc/kubernetes/ssl/kube-node.pem\nclient-key: /etc/kubernetes/ssl/kube-node-key.pem\ncertificate-authority: /etc/kubernetes/ssl/kube-ca.pem'),
  file('/etc/kubernetes/ssl/kube-apiserver.pem', 'APISERVER'),
];
const kubelet = (): ContainerSpec =>
  finalizeSpec({ name: 'kubelet', image: 'k8s', args: ['--kubeconfig=/etc/kubernetes/ssl/kubecfg-kube-node.yaml'], binds: ['/etc/kubernetes:/etc/kubernetes'], env: [], networkMode: 'host', privileged: true, restart: 'always', labels: {} });

describe('containers carry a hash of the files they read', () => {
  it('follows a kubeconfig to the certificates it names, and nothing else', () => {
    expect(filesNamedBy(kubelet().args, files).map((f) => f.path)).toEqual([
      '/etc/kubernetes/ssl/kube-ca.pem',
      '/etc/kubernetes/ssl/kube-node-key.pem',
      '/etc/kubernetes/ssl/kube-node.pem',
      '/etc/kubernetes/ssl/kubecfg-kube-node.yaml',
    ]);
  });

  it('a changed certificate it reads changes the spec hash; a file it does not read does not', () => {
    const base = withFileInputs(kubelet(), files);
    expect(base.labels[FILES_LABEL]).toMatch(/^[0-9a-f]{16}$/);
    const rotated = withFileInputs(kubelet(), files.map((f) => (f.path.endsWith('kube-node.pem') ? { ...f, content: 'NEW NODE' } : f)));
    expect(rotated.labels['io.drover.spec-hash']).not.toBe(base.labels['io.drover.spec-hash']);
    const unrelated = withFileInputs(kubelet(), files.map((f) => (f.path.endsWith('kube-apiserver.pem') ? { ...f, content: 'NEW APISERVER' } : f)));
    expect(unrelated.labels['io.drover.spec-hash']).toBe(base.labels['io.drover.spec-hash']);
    expect(withFileInputs(kubelet(), [])).toEqual(kubelet());
  });
});
