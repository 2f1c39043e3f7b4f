import { REGISTRY_PASSWORD_ENV, REGISTRY_USER } from './registry-config.js';

/**
 * Pure: what `lab up` writes about its images — the cluster.yml settings that make a real cluster
 * start on lab nodes, and DIR/lab.json for tests and users. No I/O here.
 */

/** Every image `lab up` pushed, as full references (`10.250.0.2:5000/drover-lab/etcd:v3.4.23`). */
export interface LabImageRefs {
  busybox: string;
  etcd: string;
  kubernetes: string;
  pause: string;
  nginx: string;
}

/**
 * cluster.yml keys (RKE's names) for a lab: its registry, its images as `system_images`, drover's
 * built-in overlay, no add-ons whose upstream images cannot be pulled here, and the kubelet and
 * kube-proxy flags lab nodes need (shared LAB.md pitfalls 2, 3, 5, 9). The registry password is a
 * `${env:…}` reference: the secret stays in DIR/registry-password, never in cluster.yml.
 */
export function labClusterSettings(registryHost: string, images: LabImageRefs) {
  return {
    private_registries: [{ url: registryHost, user: REGISTRY_USER, password: `\${env:${REGISTRY_PASSWORD_ENV}}`, is_default: false }],
    system_images: {
      etcd: images.etcd,
      kubernetes: images.kubernetes,
      pod_infra_container: images.pause,
      nginx_proxy: images.nginx,
    },
    network: { plugin: 'vxlan' },
    dns: { provider: 'none' },
    ingress: { provider: 'none' },
    monitoring: { provider: 'none' },
    services: {
      kubelet: {
        extra_args: {
          // The image's entrypoint masks the VM-wide sysctls; kubelet must only check them.
          'protect-kernel-defaults': 'true',
          // Lab images are pushed once and every node reports the host's disk: never collect them.
          'image-gc-high-threshold': '100',
          'node-status-update-frequency': '1s',
        },
      },
      // 0 = leave the VM-wide nf_conntrack_max alone (read-only in a node's namespace).
      kubeproxy: { extra_args: { 'conntrack-max-per-core': '0' } },
    },
  };
}

export interface LabJson {
  /** `address:port` of the lab registry (plain HTTP; nodes trust it as insecure). */
  registry: string;
  registry_user: string;
  /** 0600 file beside cluster.yml holding the registry password. */
  registry_password_file: string;
  /** busybox with sh, nc, wget, httpd, sleep: for test pods. */
  test_image: string;
  /** kubectl of the lab's Kubernetes version on this machine. */
  kubectl: string;
  kubernetes_version: string;
  images: LabImageRefs;
}

export function labJson(opts: {
  registryHost: string;
  passwordFile: string;
  kubectl: string;
  kubernetesVersion: string;
  images: LabImageRefs;
}): LabJson {
  return {
    registry: opts.registryHost,
    registry_user: REGISTRY_USER,
    registry_password_file: opts.passwordFile,
    test_image: opts.images.busybox,
    kubectl: opts.kubectl,
    kubernetes_version: opts.kubernetesVersion,
    images: { ...opts.images },
  };
}
