import { join } from 'node:path';
import yaml from 'js-yaml';
import type { LabNetwork } from './layout.js';
import { LAB_STATE_ROOT } from './paths.js';

/**
 * Pure naming of a lab's registry: its address on the lab bridge (the `.2` of the lab's /24: the
 * bridge is `.1`, nodes start at `.11`, the dead gateway is `.254`), its veth and MACs, where its
 * files live, and the docker-registry configuration.
 */

export const REGISTRY_PORT = 5000;
export const REGISTRY_USER = 'drover';
/** The env var a lab cluster.yml reads the password from: `password: ${env:DROVER_LAB_REGISTRY_PASSWORD}`. */
export const REGISTRY_PASSWORD_ENV = 'DROVER_LAB_REGISTRY_PASSWORD';
const REGISTRY_HOST_INDEX = 2;

export interface RegistryEndpoint {
  address: string;
  port: number;
  /** `address:port`: the registry part of image names and the value for `dockerd --insecure-registry`. */
  host: string;
}

/** Where lab nodes and drover reach the lab's registry. Nodes' dockerd need `--insecure-registry <host>`. */
export function labRegistryEndpoint(lab: { network: LabNetwork }): RegistryEndpoint {
  const address = `10.250.${lab.network.slot}.${REGISTRY_HOST_INDEX}`;
  return { address, port: REGISTRY_PORT, host: `${address}:${REGISTRY_PORT}` };
}

const hex = (n: number) => n.toString(16).padStart(2, '0');

export interface RegistryLink {
  hostVeth: string;
  hostMac: string;
  nsMac: string;
}

/** Names and MACs that differ from every node's (`dl<slot>n<i>`, `02:d1/02:d2:…`). */
export function registryLink(network: LabNetwork): RegistryLink {
  return {
    hostVeth: `dl${network.slot}reg`,
    hostMac: `02:d3:${hex(network.slot)}:00:00:${hex(REGISTRY_HOST_INDEX)}`,
    nsMac: `02:d4:${hex(network.slot)}:00:00:${hex(REGISTRY_HOST_INDEX)}`,
  };
}

export interface RegistryPaths {
  /** Machine-wide runtime files, kept apart from the lab's state dir so `lab down` cannot orphan the process. */
  runDir: string;
  configFile: string;
  htpasswdFile: string;
  stateFile: string;
  logFile: string;
  /** The password, 0600, in the lab's DIR next to cluster.yml. */
  passwordFile: string;
}

export function registryPaths(labName: string, labDir: string, root = LAB_STATE_ROOT): RegistryPaths {
  const runDir = join(root, `registry-${labName}`);
  return {
    runDir,
    configFile: join(runDir, 'config.yml'),
    htpasswdFile: join(runDir, 'htpasswd'),
    stateFile: join(runDir, 'registry.json'),
    logFile: join(runDir, 'registry.log'),
    passwordFile: join(labDir, 'registry-password'),
  };
}

export function registryConfigYaml(opts: { storageDir: string; htpasswdFile: string; httpSecret: string }): string {
  const doc = {
    version: 0.1,
    log: { level: 'warn', formatter: 'text', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: opts.storageDir },
      delete: { enabled: true },
      // Uploads are short-lived here; the purge goroutine only adds start-up work.
      maintenance: { uploadpurging: { enabled: false } },
    },
    // Inside the registry's own network namespace: reachable only over the lab bridge.
    http: { addr: `0.0.0.0:${REGISTRY_PORT}`, secret: opts.httpSecret },
    auth: { htpasswd: { realm: 'drover-lab', path: opts.htpasswdFile } },
  };
  return yaml.dump(doc);
}
