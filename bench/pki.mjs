// PKI for a 100-node cluster (3 control-plane+etcd nodes, 97 workers): every CA, leaf and key
// from nothing, then the re-issue when one node joins. Runs the compiled dist/ (npm run build).
// Prints one JSON object. Usage: node bench/pki.mjs [--key-type ecdsa|rsa] [--nodes N]
import { randomBytes } from 'node:crypto';
import { certSpecsFor, keysNeeded, prepareKeyPool, reconcilePki } from '../dist/pki/index.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const keyType = arg('key-type', 'ecdsa');
const nodeCount = Number(arg('nodes', '100'));

const node = (i) => {
  const address = `10.${Math.floor(i / 250)}.${i % 250}.10`;
  return {
    address, port: 22, user: 'root', sshAgentAuth: false, internalAddress: address, hostname: `node-${i}`,
    roles: i < 3 ? ['etcd', 'controlplane'] : ['worker'], dockerSocket: '/var/run/docker.sock', labels: {}, taints: [],
  };
};
const service = { extraArgs: {}, extraBinds: [], extraEnv: [] };
const model = (n) => ({
  name: 'bench', configPath: '/tmp/bench/cluster.yml', kubernetesVersion: 'v1.31.4', knownHostsPath: '/dev/null',
  nodes: Array.from({ length: n }, (_, i) => node(i)),
  network: {
    plugin: 'canal', options: {}, serviceClusterIpRange: '10.43.0.0/16', serviceNodePortRange: '30000-32767',
    clusterCidr: '10.42.0.0/16', clusterDomain: 'cluster.local', clusterDnsServer: '10.43.0.10',
  },
  sans: [], services: { etcd: service, 'kube-api': service, 'kube-controller': service, scheduler: service, kubelet: service, kubeproxy: service },
  privateRegistries: [], systemImages: {},
});
const opts = { keyType, now: () => new Date(), randomSerial: () => randomBytes(16) };

// Warm up the crypto and module paths once so the figure is the steady cost.
reconcilePki(undefined, model(3), opts);

const t0 = performance.now();
// RSA keys are made in parallel on the thread pool first, as `cert generate` does.
const generateKey = keyType === 'rsa' ? await prepareKeyPool('rsa', keysNeeded(undefined, certSpecsFor(model(nodeCount)))) : undefined;
const full = reconcilePki(undefined, model(nodeCount), generateKey ? { ...opts, generateKey } : opts);
const ms = performance.now() - t0;
const t1 = performance.now();
const grown = reconcilePki(full.pki, model(nodeCount + 1), opts);
const joinMs = performance.now() - t1;

console.log(JSON.stringify({
  nodes: nodeCount,
  certs: Object.keys(full.pki.certs).length,
  ms: Math.round(ms),
  key_type: keyType,
  join_one_node_ms: Math.round(joinMs * 10) / 10,
  join_one_node_issued: grown.issued.length,
}));
