import { ExitCode } from '../cli/exit-codes.js';
import { DroverError } from '../errors.js';
import { CertName } from './names.js';
import type { Pki, PkiSeed } from './reconcile.js';

/** The services `drover cert rotate --service` knows (RKE's names), and the certificates each uses. */
const SERVICE_CERTS: Record<string, (name: string) => boolean> = {
  etcd: (n) => n.startsWith('kube-etcd-') && n !== CertName.etcdCa,
  kubelet: (n) => n.startsWith('kube-node-') || n.startsWith('kube-kubelet-'),
  'kube-apiserver': (n) =>
    n === CertName.apiServer || n === CertName.apiServerKubeletClient || n === CertName.apiServerEtcdClient || n === CertName.frontProxyClient,
  'kube-controller-manager': (n) => n === CertName.controllerManager,
  'kube-scheduler': (n) => n === CertName.scheduler,
  'kube-proxy': (n) => n === CertName.proxy,
};

/** The certificates of one service; an unknown name is a usage error (exit 2). */
export function serviceCerts(service: string): (name: string) => boolean {
  const pick = SERVICE_CERTS[service];
  if (pick) return pick;
  throw new DroverError(`--service ${service} is not a service drover rotates certificates for`, {
    exitCode: ExitCode.InvalidInput,
    hint: `use one of: ${Object.keys(SERVICE_CERTS).join(', ')} (or no --service for all of them)`,
  });
}

const CAS: readonly string[] = [CertName.kubeCa, CertName.etcdCa, CertName.frontProxyCa];

export interface RotationChoice {
  /** Certificates that get a new key and a new certificate. */
  names: string[];
  /** Imported certificates (--cert-dir) that would have been chosen: drover never replaces them. */
  custom: string[];
}

/**
 * Which certificates `drover cert rotate` replaces: every leaf certificate (the admin's
 * included), or those of one service. The CAs and the service-account key stay, so everything
 * running keeps trusting everything else while the services restart one by one.
 */
export function chooseRotation(pki: Pki, service?: string): RotationChoice {
  const wanted = service === undefined ? (n: string) => !CAS.includes(n) : serviceCerts(service);
  const chosen = Object.values(pki.certs).filter((c) => wanted(c.name));
  return { names: chosen.filter((c) => !c.custom).map((c) => c.name).sort(), custom: chosen.filter((c) => c.custom).map((c) => c.name).sort() };
}

/** The PKI without the chosen certificates: reconciling it issues them anew, with new keys. */
export function withoutCerts(pki: Pki, names: readonly string[]): PkiSeed {
  const drop = new Set(names);
  return { ...pki, certs: Object.fromEntries(Object.entries(pki.certs).filter(([name]) => !drop.has(name))) };
}
