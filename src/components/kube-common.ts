import type { ClusterModel, ClusterNode, ServiceOptions } from '../model/cluster.js';
import { CERT_DIR, certFileName, keyFileName } from '../pki/names.js';
import { finalizeSpec, flagArgs, type ContainerSpec } from './container-spec.js';

/**
 * What the Kubernetes components share: RKE's container names and file layout (so an RKE user
 * finds `docker logs kube-apiserver` and /etc/kubernetes/ssl where they expect), and one way to
 * turn flags + cluster.yml's extra_args/binds/env into a ContainerSpec.
 */
export const KubeContainer = {
  apiServer: 'kube-apiserver',
  controllerManager: 'kube-controller-manager',
  scheduler: 'kube-scheduler',
  kubelet: 'kubelet',
  proxy: 'kube-proxy',
  nginxProxy: 'nginx-proxy',
  criDockerd: 'cri-dockerd',
} as const;

export const KubePort = {
  apiServer: 6443,
  controllerManager: 10257,
  scheduler: 10259,
  kubelet: 10250,
  proxyHealth: 10256,
} as const;

export const certPath = (name: string): string => `${CERT_DIR}/${certFileName(name)}`;
export const keyPath = (name: string): string => `${CERT_DIR}/${keyFileName(name)}`;
export const kubeconfigPath = (name: string): string => `${CERT_DIR}/kubecfg-${name}.yaml`;

export interface KubeSpecParts {
  name: string;
  image: string;
  /** Binary and default flags; cluster.yml's extra_args win over these. */
  binary: string;
  flags: Record<string, string>;
  /** Arguments that are not --flag=value (after the flags). */
  rawArgs?: string[];
  binds: string[];
  service: ServiceOptions;
  privileged?: boolean;
  pidHost?: boolean;
  env?: string[];
  /** Hash of files the container reads at start only (e.g. nginx.conf): a change restarts it. */
  inputsHash?: string;
  /** Seconds from SIGTERM to SIGKILL when replaced (see container-spec.ts). */
  stopGraceSeconds?: number;
}

export function kubeSpec(p: KubeSpecParts): ContainerSpec {
  const flags = { ...p.flags, ...p.service.extraArgs };
  // An extra_arg set to "" removes a default flag (RKE users rely on it to drop one).
  for (const [k, v] of Object.entries(flags)) if (v === '') delete flags[k];
  return finalizeSpec({
    name: p.name,
    image: p.service.image ?? p.image,
    args: [p.binary, ...flagArgs(flags), ...(p.rawArgs ?? [])],
    binds: [...p.binds, ...p.service.extraBinds],
    env: [...(p.env ?? []), ...p.service.extraEnv],
    networkMode: 'host',
    ...(p.pidHost ? { pidMode: 'host' as const } : {}),
    privileged: p.privileged ?? false,
    restart: 'always',
    labels: { 'io.drover.component': p.name, ...(p.inputsHash ? { 'io.drover.inputs': p.inputsHash } : {}) },
    ...(p.stopGraceSeconds !== undefined ? { stopGraceSeconds: p.stopGraceSeconds } : {}),
  });
}

/** Where a node's components reach an apiserver: their own on control-plane nodes, else nginx-proxy. */
export const runsControlPlane = (node: ClusterNode): boolean => node.roles.includes('controlplane');

export const controlPlaneNodes = (model: ClusterModel): ClusterNode[] => model.nodes.filter(runsControlPlane);
