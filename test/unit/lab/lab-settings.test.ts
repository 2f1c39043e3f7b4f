import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadClusterModel } from '../../../src/config/index.js';
import { clusterYml } from '../../../src/lab/cluster-files.js';
import { labClusterSettings, labJson, type LabImageRefs } from '../../../src/lab/lab-settings.js';
import { labNetwork, labNodeSpecs } from '../../../src/lab/layout.js';
import type { LabState } from '../../../src/lab/state.js';

const HOST = '10.250.7.2:5000';
const refs: LabImageRefs = {
  busybox: `${HOST}/drover-lab/busybox:1.35.0`,
  etcd: `${HOST}/drover-lab/etcd:v3.4.23`,
  kubernetes: `${HOST}/drover-lab/kubernetes:v1.20.2`,
  pause: `${HOST}/drover-lab/pause:3.2`,
  nginx: `${HOST}/drover-lab/nginx:1.22`,
};

function state(layout: 'all-roles' | '1cp', dir: string): LabState {
  const network = labNetwork(7);
  const nodes = labNodeSpecs('labimg-unit', 7, 3, layout).map((s) => ({ ...s, cgroups: [], nodeDir: join(dir, String(s.index)) }));
  return { version: 1, name: 'labimg-unit', dir, layout, network, nodes, forwardRules: [], createdAt: '2026-01-01T00:00:00Z' } as LabState;
}

describe('lab cluster.yml settings', () => {
  const settings = labClusterSettings(HOST, refs);

  it('points every system image RKE names at the lab registry', () => {
    expect(settings.system_images).toEqual({ etcd: refs.etcd, kubernetes: refs.kubernetes, pod_infra_container: refs.pause, nginx_proxy: refs.nginx });
    expect(settings.private_registries).toEqual([{ url: HOST, user: 'drover', password: '${env:DROVER_LAB_REGISTRY_PASSWORD}', is_default: false }]);
  });

  it('uses the built-in overlay and turns off add-ons whose upstream images cannot be pulled', () => {
    expect(settings.network).toEqual({ plugin: 'vxlan' });
    for (const k of ['dns', 'ingress', 'monitoring'] as const) expect(settings[k]).toEqual({ provider: 'none' });
  });

  it('gives kubelet and kube-proxy the flags lab nodes need', () => {
    expect(settings.services.kubelet.extra_args).toEqual({
      'protect-kernel-defaults': 'true', 'image-gc-high-threshold': '100', 'node-status-update-frequency': '1s',
    });
    expect(settings.services.kubeproxy.extra_args).toEqual({ 'conntrack-max-per-core': '0' });
  });

  it.each(['all-roles', '1cp'] as const)('makes a %s cluster.yml that drover loads into the model it describes', async (layout) => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-labimg-unit-'));
    try {
      const file = join(dir, 'cluster.yml');
      writeFileSync(join(dir, 'id_ed25519'), 'not read beyond existing\n');
      writeFileSync(file, clusterYml(state(layout, dir), settings));
      const doc = yaml.load(clusterYml(state(layout, dir), settings)) as Record<string, unknown>;
      expect(doc['system_images']).toEqual(settings.system_images);
      const { model } = await loadClusterModel(file, { DROVER_LAB_REGISTRY_PASSWORD: 'pw' }, { purpose: 'validate' });
      expect(model.systemImages).toEqual(settings.system_images);
      expect(model.network.plugin).toBe('vxlan');
      expect(model.addons.dns.provider).toBe('none');
      expect(model.addons.ingress.provider).toBe('none');
      expect(model.addons.monitoring.provider).toBe('none');
      expect(model.services.kubelet.extraArgs).toMatchObject({ 'protect-kernel-defaults': 'true', 'node-status-update-frequency': '1s' });
      expect(model.services.kubeproxy.extraArgs).toMatchObject({ 'conntrack-max-per-core': '0' });
      const roles = model.nodes.map((n) => n.roles.slice().sort().join(','));
      expect(roles).toEqual(layout === 'all-roles' ? Array(3).fill('controlplane,etcd,worker') : ['controlplane,etcd', 'worker', 'worker']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('DIR/lab.json', () => {
  it('names the registry, the test image, kubectl and every pushed image', () => {
    const doc = labJson({ registryHost: HOST, passwordFile: '/d/registry-password', kubectl: '/c/bin/kubectl', kubernetesVersion: 'v1.20.2', images: refs });
    expect(doc).toEqual({
      registry: HOST,
      registry_user: 'drover',
      registry_password_file: '/d/registry-password',
      test_image: refs.busybox,
      kubectl: '/c/bin/kubectl',
      kubernetes_version: 'v1.20.2',
      images: refs,
    });
    // Every reference is a full one on the lab registry.
    for (const ref of Object.values(doc.images)) expect(ref.startsWith(`${doc.registry}/drover-lab/`)).toBe(true);
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });
});
