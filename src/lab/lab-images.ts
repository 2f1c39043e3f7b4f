import { busyboxImage, type LabImage } from './busybox-image.js';
import { etcdImage } from './etcd-image.js';
import { formatImageReference } from './oci-image.js';
import { REGISTRY_PASSWORD_ENV, REGISTRY_USER } from './registry-config.js';
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

export interface LabImages {
  registry: RunningRegistry;
  etcd: PushedImage;
  busybox: PushedImage;
}

export async function ensureLabImages(lab: LabRef, env: Readonly<Record<string, string | undefined>>): Promise<LabImages> {
  // Building and starting overlap: the build is CPU and disk, the start mostly waiting. busybox
  // before etcd, which reuses its (then cached) layer instead of compressing it a second time.
  const build = async () => {
    const busybox = await busyboxImage(env);
    return { busybox, etcd: await etcdImage(env) };
  };
  // Both settle before any error is thrown, so a caller's cleanup never races a registry start.
  const [started, built] = await Promise.allSettled([ensureLabRegistry(lab, env), build()]);
  if (started.status === 'rejected') throw started.reason;
  if (built.status === 'rejected') throw built.reason;
  const registry = started.value;
  const { etcd, busybox } = built.value;
  // busybox first: its layer is etcd's base, which etcd's push then mounts instead of uploading.
  const busyboxPushed = await pushLabImage(registry, busybox);
  const etcdPushed = await pushLabImage(registry, etcd, busybox.repository);
  return { registry, etcd: etcdPushed, busybox: busyboxPushed };
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

/**
 * The cluster.yml keys that point a lab cluster at its registry (RKE's names). The password is a
 * `${env:…}` reference: the secret stays in DIR/registry-password, never in cluster.yml.
 */
export function labRegistryClusterFields(images: LabImages) {
  return {
    private_registries: [
      { url: images.registry.endpoint.host, user: REGISTRY_USER, password: `\${env:${REGISTRY_PASSWORD_ENV}}`, is_default: false },
    ],
    system_images: { etcd: images.etcd.reference },
  };
}
