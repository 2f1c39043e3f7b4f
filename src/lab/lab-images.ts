import { join } from 'node:path';
import { busyboxImage, type Env, type LabImage } from './busybox-image.js';
import { etcdImage } from './etcd-image.js';
import { ensureKubernetesBinaries } from './kubernetes-build.js';
import { kubernetesImage, pauseImage } from './kubernetes-image.js';
import { labClusterSettings, type LabImageRefs } from './lab-settings.js';
import { nginxImage } from './nginx-image.js';
import { formatImageReference } from './oci-image.js';
import { ensureLabRegistry, type LabRef, type RunningRegistry } from './registry.js';
import { pushImage, type PushResult } from './registry-push.js';

/**
 * What `drover lab up` calls so the lab's cluster.yml works as written: the registry runs and holds
 * every lab image. Fast when nothing changed (cached layers, one HEAD per image).
 */

export interface PushedImage {
  /** Full reference nodes pull, e.g. `10.250.0.2:5000/drover-lab/etcd:v3.4.23`. */
  reference: string;
  push: PushResult;
}

/** The base images: busybox (test pods, every image's base) and etcd. */
export interface LabImages {
  registry: RunningRegistry;
  etcd: PushedImage;
  busybox: PushedImage;
}

/** Everything a real Kubernetes cluster on lab nodes pulls. */
export interface ClusterLabImages extends LabImages {
  kubernetes: PushedImage;
  pause: PushedImage;
  nginx: PushedImage;
  /** kubectl of the same build, on this machine. */
  kubectl: string;
  kubernetesVersion: string;
}

/** busybox and etcd only (no Kubernetes build needed): the etcd plane and registry tests. */
export async function ensureLabImages(lab: LabRef, env: Env): Promise<LabImages> {
  // Building and starting overlap: the build is CPU and disk, the start mostly waiting. busybox
  // before etcd, which reuses its (then cached) layer instead of compressing it a second time.
  const build = async () => {
    const busybox = await busyboxImage(env);
    return { busybox, etcd: await etcdImage(env) };
  };
  const { registry, built } = await startAndBuild(lab, env, build);
  // busybox first: its layer is every other image's base, which their pushes then mount.
  const busybox = await pushLabImage(registry, built.busybox);
  const etcd = await pushLabImage(registry, built.etcd, built.busybox.repository);
  return { registry, etcd, busybox };
}

/**
 * Every lab image, the Kubernetes ones included. When this machine has no Kubernetes build yet,
 * scripts/build-k8s.sh runs first (minutes, once per machine; `progress` gets its lines).
 */
export async function ensureClusterLabImages(lab: LabRef, env: Env, progress?: (line: string) => void): Promise<ClusterLabImages> {
  const build = async () => {
    const binDir = await ensureKubernetesBinaries(env, progress);
    // One at a time: each may compress a layer, and two cores are shared with the nodes.
    const busybox = await busyboxImage(env);
    const etcd = await etcdImage(env);
    const kubernetes = await kubernetesImage(env, binDir, progress);
    const pause = await pauseImage(env, binDir, progress);
    const nginx = await nginxImage(env, progress);
    return { binDir, busybox, etcd, kubernetes, pause, nginx };
  };
  const { registry, built } = await startAndBuild(lab, env, build);
  const busybox = await pushLabImage(registry, built.busybox);
  const from = built.busybox.repository;
  const [etcd, kubernetes, pause, nginx] = await Promise.all([
    pushLabImage(registry, built.etcd, from),
    pushLabImage(registry, built.kubernetes, from),
    pushLabImage(registry, built.pause),
    pushLabImage(registry, built.nginx, from),
  ]);
  return {
    registry, busybox, etcd, kubernetes, pause, nginx,
    kubectl: join(built.binDir, 'kubectl'),
    kubernetesVersion: built.kubernetes.tag,
  };
}

async function startAndBuild<T>(lab: LabRef, env: Env, build: () => Promise<T>): Promise<{ registry: RunningRegistry; built: T }> {
  // Both settle before any error is thrown, so a caller's cleanup never races a registry start.
  const [started, built] = await Promise.allSettled([ensureLabRegistry(lab, env), build()]);
  if (started.status === 'rejected') throw started.reason;
  if (built.status === 'rejected') throw built.reason;
  return { registry: started.value, built: built.value };
}

async function pushLabImage(registry: RunningRegistry, img: LabImage, mountFrom?: string): Promise<PushedImage> {
  const reference = formatImageReference({ registry: registry.endpoint.host, repository: img.repository, tag: img.tag });
  const push = await pushImage(
    { baseUrl: registry.baseUrl, repository: img.repository, tag: img.tag, credentials: registry.credentials, ...(mountFrom ? { mountFrom } : {}) },
    img.image,
    img.layers,
  );
  return { reference, push };
}

export function clusterImageRefs(images: ClusterLabImages): LabImageRefs {
  return {
    busybox: images.busybox.reference,
    etcd: images.etcd.reference,
    kubernetes: images.kubernetes.reference,
    pause: images.pause.reference,
    nginx: images.nginx.reference,
  };
}

/**
 * The cluster.yml keys that point a lab cluster at its registry (RKE's names): the base images
 * only. `labClusterSettings` (lab-settings.ts) is the whole set `lab up` writes.
 */
export function labRegistryClusterFields(images: LabImages) {
  const { private_registries } = labClusterSettings(images.registry.endpoint.host, {
    busybox: images.busybox.reference, etcd: images.etcd.reference, kubernetes: '', pause: '', nginx: '',
  });
  return { private_registries, system_images: { etcd: images.etcd.reference } };
}
