import { describe, expect, it } from 'vitest';
import { apiServerSpec } from '../../../src/components/kube-apiserver.js';
import { kubeletSpec } from '../../../src/components/kubelet.js';
import { nginxProxyConfig, nginxProxySpec } from '../../../src/components/nginx-proxy.js';
import { threeNodeModel } from '../pki/model.js';

describe('Kubernetes component specs', () => {
  const model = threeNodeModel();
  const [cp1, , worker] = model.nodes;

  it('apiserver: etcd over TLS with the etcd CA, every etcd member, Node,RBAC, the internal address advertised', () => {
    const spec = apiServerSpec({ model, node: cp1!, image: 'reg/k8s:v1.20.2', verifyKubelets: true });
    expect(spec.args[0]).toBe('kube-apiserver');
    expect(spec.args).toContain('--etcd-cafile=/etc/kubernetes/ssl/kube-etcd-ca.pem');
    expect(spec.args).toContain('--etcd-servers=https://192.168.1.11:2379,https://10.250.0.12:2379');
    expect(spec.args).toContain('--authorization-mode=Node,RBAC');
    expect(spec.args).toContain('--advertise-address=192.168.1.11');
    expect(spec.args).toContain('--kubelet-certificate-authority=/etc/kubernetes/ssl/kube-ca.pem');
    expect(spec.args.some((a) => a.startsWith('--encryption-provider-config'))).toBe(false);
  });

  it('extra_args win over defaults, and an empty one drops the flag', () => {
    const custom = { ...model, services: { ...model.services, 'kube-api': { ...model.services['kube-api'], extraArgs: { 'authorization-mode': 'RBAC', profiling: '' } } } };
    const args = apiServerSpec({ model: custom, node: cp1!, image: 'i', verifyKubelets: false }).args;
    expect(args).toContain('--authorization-mode=RBAC');
    expect(args.some((a) => a.startsWith('--profiling'))).toBe(false);
  });

  it('secrets encryption and the audit log add their files and flags', () => {
    const on = { ...model, kubeApi: { ...model.kubeApi, secretsEncryption: { enabled: true }, auditLog: { ...model.kubeApi.auditLog, enabled: true } } };
    const spec = apiServerSpec({ model: on, node: cp1!, image: 'i', verifyKubelets: true });
    expect(spec.args).toContain('--encryption-provider-config=/etc/kubernetes/ssl/encryption.yaml');
    expect(spec.args).toContain('--audit-log-path=/var/log/kube-audit/audit-log.json');
    expect(spec.binds).toContain('/var/log/kube-audit:/var/log/kube-audit:z');
  });

  it('kubelet: node name, CNI with dockershim on v1.20, cri-dockerd endpoint when asked', () => {
    const dockershim = kubeletSpec({ model, node: worker!, image: 'i', pauseImage: 'reg/pause:3.2', criDockerd: false });
    expect(dockershim.args).toContain('--hostname-override=worker-1');
    expect(dockershim.args).toContain('--network-plugin=cni');
    expect(dockershim.args).toContain('--pod-infra-container-image=reg/pause:3.2');
    expect(dockershim.privileged).toBe(true);
    const cri = kubeletSpec({ model, node: worker!, image: 'i', pauseImage: 'p', criDockerd: true });
    expect(cri.args).toContain('--container-runtime-endpoint=unix:///var/run/cri-dockerd.sock');
    expect(cri.args.some((a) => a.startsWith('--network-plugin'))).toBe(false);
  });

  it('nginx-proxy balances over every control plane; a change in that set changes the container', () => {
    const conf = nginxProxyConfig(model);
    expect(conf).toContain('server 192.168.1.11:6443');
    expect(conf).toContain('server 10.250.0.12:6443');
    expect(conf).toContain('listen 127.0.0.1:6443;');
    const fewer = { ...model, nodes: model.nodes.filter((n) => n.hostname !== 'cp-2') };
    expect(nginxProxySpec(fewer, 'n').labels['io.drover.spec-hash']).not.toBe(nginxProxySpec(model, 'n').labels['io.drover.spec-hash']);
  });
});
