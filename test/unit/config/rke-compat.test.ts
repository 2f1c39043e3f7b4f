import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadClusterModel, validateConfigFile } from '../../../src/config/index.js';

/** Real-world RKE cluster.yml shapes must load unchanged (shared/RKE-COMPAT.md). */
const dir = join(import.meta.dirname, '../../fixtures/config/rke');
const env = { S3_SECRET: 's3-secret-value', HARBOR_PASSWORD: 'harbor-pass', HOME: join(dir, 'home') };

describe('RKE cluster.yml compatibility', () => {
  it.each(['rke-config-generated.yml', 'production-ha.yml', 'single-node-minimal.yml'])('%s validates with no error', (file) => {
    const result = validateConfigFile(join(dir, file), env);
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(result.config).toBeDefined();
  });

  it('reads `rke config` output: empty strings and zeros mean "not set"', async () => {
    const { model } = await loadClusterModel(join(dir, 'rke-config-generated.yml'), env, { purpose: 'validate' });
    expect(model.name).toBe('local');
    expect(model.kubernetesVersion).toBe('v1.20.2');
    expect(model.bastion).toBeUndefined();
    expect(model.network.mtu).toBeUndefined();
    expect(model.nodes[0]).toMatchObject({ address: '203.0.113.10', port: 22, hostname: '203.0.113.10', internalAddress: '172.31.0.10', user: 'ubuntu' });
    expect(model.nodes[0]?.sshKeyPath).toBe(join(dir, 'home/.ssh/id_rsa'));
    expect(model.network.serviceNodePortRange).toBe('30000-32767');
  });

  it('turns scalars into strings where RKE fields are strings', async () => {
    const { model, config } = await loadClusterModel(join(dir, 'production-ha.yml'), env, { purpose: 'validate' });
    const worker = model.nodes[3];
    expect(worker?.port).toBe(2222);
    expect(worker?.labels).toEqual({ gpu: 'true', tier: '1' });
    expect(worker?.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }]);
    expect(model.nodes[0]?.labels).toEqual({ 'node-role.example.com/master': 'true' });
    expect(model.services.kubelet.extraArgs['max-pods']).toBe('250');
    expect(model.services['kube-api'].extraArgs['v']).toBe('2');
    expect(config.upgrade_strategy?.max_unavailable_controlplane).toBe('1');
    expect(config.upgrade_strategy?.node_drain_input?.grace_period).toBe(-1);
    expect(model.nodes.every((n) => n.sshAgentAuth)).toBe(true);
  });

  it('interpolates ${env:NAME} and reports the values as secrets', () => {
    const result = validateConfigFile(join(dir, 'production-ha.yml'), env);
    expect(result.config?.private_registries?.[0]?.password).toBe('harbor-pass');
    expect(result.config?.services?.etcd?.backup_config?.s3backupconfig?.secret_key).toBe('s3-secret-value');
    expect(result.secrets.sort()).toEqual(['harbor-pass', 's3-secret-value']);
  });

  it('warns in validate, and refuses in deploy, a version drover cannot deploy', async () => {
    const result = validateConfigFile(join(dir, 'production-ha.yml'), env, 'validate');
    expect(result.problems).toEqual([
      expect.objectContaining({ severity: 'warning', path: 'kubernetes_version', line: 2, col: 21, message: 'drover cannot deploy Kubernetes v1.26.8 yet' }),
    ]);
    await expect(loadClusterModel(join(dir, 'production-ha.yml'), env, { purpose: 'deploy' })).rejects.toThrow(/production-ha.yml:2:21: error: kubernetes_version: drover cannot deploy Kubernetes v1.26.8 yet\n  hint: drover deploys v1.20.2/);
  });

  it('treats null sections and comment-only sections as defaults', async () => {
    const { model } = await loadClusterModel(join(dir, 'single-node-minimal.yml'), env, { purpose: 'deploy' });
    expect(model.nodes[0]?.roles).toEqual(['controlplane', 'worker', 'etcd']);
    expect(model.nodes[0]?.sshKeyPath).toBe(join(dir, 'id_rsa_test'));
    expect(model.network.clusterDnsServer).toBe('10.43.0.10');
    expect(model.network.plugin).toBe('canal');
  });

  it('accepts the example printed by `drover config --print`', () => {
    const result = validateConfigFile(join(import.meta.dirname, '../../../cluster.example.yml'), {});
    expect(result.problems).toEqual([]);
  });
});
