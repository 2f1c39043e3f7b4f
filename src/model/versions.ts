/**
 * Kubernetes versions drover can deploy. RKE writes versions as vX.Y.Z-rancherN-M; drover
 * keys its table by the upstream version and accepts RKE's suffix for the same release.
 */
export const SUPPORTED_KUBERNETES_VERSIONS = ['v1.20.2', 'v1.24.17'] as const;
export const DEFAULT_KUBERNETES_VERSION = 'v1.20.2';

/** RKE's accepted forms: vX.Y.Z or vX.Y.Z-rancherN[-M]. */
const RKE_VERSION = /^v(\d+)\.(\d+)\.(\d+)(?:-rancher\d+(?:-\d+)?)?$/;

export interface ParsedVersion {
  major: number;
  minor: number;
  patch: number;
  /** vX.Y.Z without the rancher suffix. */
  upstream: string;
}

export function parseKubernetesVersion(text: string): ParsedVersion | undefined {
  const m = RKE_VERSION.exec(text);
  if (!m) return undefined;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return { major, minor, patch, upstream: `v${major}.${minor}.${patch}` };
}

export function isDeployable(version: ParsedVersion): boolean {
  return (SUPPORTED_KUBERNETES_VERSIONS as readonly string[]).includes(version.upstream);
}

/**
 * Default system images by Kubernetes release: what RKE users already pull for that version.
 * `system_images` in cluster.yml overrides any of them (the lab points them at its registry).
 */
export const DEFAULT_SYSTEM_IMAGES: Record<string, Record<string, string>> = {
  'v1.20.2': {
    etcd: 'rancher/mirrored-coreos-etcd:v3.4.13-rancher1',
    kubernetes: 'rancher/hyperkube:v1.20.2-rancher1',
    alpine: 'rancher/rke-tools:v0.1.69',
    nginx_proxy: 'rancher/rke-tools:v0.1.69',
    pod_infra_container: 'rancher/pause:3.2',
    // Add-ons (drover's manifests in src/addons), RKE's system_images names.
    coredns: 'rancher/coredns-coredns:1.8.0',
    coredns_autoscaler: 'rancher/cluster-proportional-autoscaler:1.8.1',
    flannel: 'rancher/coreos-flannel:v0.13.0-rancher1',
    flannel_cni: 'rancher/flannel-cni:v0.3.0-rancher6',
    calico_node: 'rancher/calico-node:v3.17.2',
    calico_cni: 'rancher/calico-cni:v3.17.2',
    calico_controllers: 'rancher/calico-kube-controllers:v3.17.2',
    calico_flexvol: 'rancher/calico-pod2daemon-flexvol:v3.17.2',
    canal_node: 'rancher/calico-node:v3.17.2',
    canal_cni: 'rancher/calico-cni:v3.17.2',
    canal_controllers: 'rancher/calico-kube-controllers:v3.17.2',
    canal_flannel: 'rancher/coreos-flannel:v0.13.0-rancher1',
    canal_flexvol: 'rancher/calico-pod2daemon-flexvol:v3.17.2',
    ingress: 'rancher/nginx-ingress-controller:nginx-0.35.0-rancher2',
    ingress_backend: 'rancher/nginx-ingress-controller-defaultbackend:1.5-rancher1',
    metrics_server: 'rancher/metrics-server:v0.4.1',
  },
  // Needs cri-dockerd (no dockershim from v1.24); in the table and templates, not runnable in the lab.
  'v1.24.17': {
    etcd: 'rancher/mirrored-coreos-etcd:v3.5.6',
    kubernetes: 'rancher/hyperkube:v1.24.17-rancher1',
    alpine: 'rancher/rke-tools:v0.1.89',
    nginx_proxy: 'rancher/rke-tools:v0.1.89',
    cri_dockerd: 'rancher/rke-tools:v0.1.89',
    pod_infra_container: 'rancher/mirrored-pause:3.6',
    coredns: 'rancher/mirrored-coredns-coredns:1.9.4',
    coredns_autoscaler: 'rancher/mirrored-cluster-proportional-autoscaler:1.8.6',
    flannel: 'rancher/mirrored-flannelcni-flannel:v0.19.2',
    flannel_cni: 'rancher/flannel-cni:v0.3.0-rancher6',
    calico_node: 'rancher/mirrored-calico-node:v3.22.5',
    calico_cni: 'rancher/calico-cni:v3.22.5-rancher1',
    calico_controllers: 'rancher/mirrored-calico-kube-controllers:v3.22.5',
    calico_flexvol: 'rancher/mirrored-calico-pod2daemon-flexvol:v3.22.5',
    canal_node: 'rancher/mirrored-calico-node:v3.22.5',
    canal_cni: 'rancher/calico-cni:v3.22.5-rancher1',
    canal_controllers: 'rancher/mirrored-calico-kube-controllers:v3.22.5',
    canal_flannel: 'rancher/mirrored-flannelcni-flannel:v0.19.2',
    canal_flexvol: 'rancher/mirrored-calico-pod2daemon-flexvol:v3.22.5',
    ingress: 'rancher/nginx-ingress-controller:nginx-1.7.0-rancher1',
    ingress_backend: 'rancher/mirrored-nginx-ingress-controller-defaultbackend:1.5-rancher1',
    metrics_server: 'rancher/mirrored-metrics-server:v0.6.3',
  },
};

/** What differs between releases beyond images. */
export interface ReleaseTraits {
  /** kubelet has dockershim built in (up to v1.23); later releases need cri-dockerd. */
  dockershim: boolean;
}

export function releaseTraits(kubernetesVersion: string): ReleaseTraits {
  const v = parseKubernetesVersion(kubernetesVersion);
  return { dockershim: !v || v.minor < 24 };
}

/** The image for a system component: cluster.yml's override, else the version's default. */
export function systemImage(kubernetesVersion: string, overrides: Record<string, string>, name: string): string {
  const image = overrides[name] || DEFAULT_SYSTEM_IMAGES[kubernetesVersion]?.[name];
  if (!image) throw new Error(`no default ${name} image for Kubernetes ${kubernetesVersion}`);
  return image;
}
