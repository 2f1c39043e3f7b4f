import tls from 'node:tls';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Duplex } from 'node:stream';
import { describe } from 'vitest';
import type { ClusterConfig } from '../../src/config/schema.js';
import { buildModel } from '../../src/model/build.js';
import type { ClusterModel } from '../../src/model/cluster.js';
import { reconcilePki, type Pki } from '../../src/pki/index.js';
import { createKubeClient, type KubeClient } from '../../src/kube/client.js';

/**
 * A real etcd (Debian's /usr/bin/etcd) and kube-apiserver v1.20.2 (the lab's cache) as local
 * processes on 127.0.0.1, with certificates from drover's own PKI. There is no scheduler,
 * controller-manager or kubelet: objects are stored and validated, nothing runs.
 * One per test file; stop() kills both by PID and removes the directory.
 */
export const K8S_BIN = process.env['DROVER_K8S_BIN'] ?? '/var/cache/drover-lab/kubernetes-v1.20.2/bin';
export const ETCD_BIN = '/usr/bin/etcd';
const apiserverBin = join(K8S_BIN, 'kube-apiserver');
export const haveApiServer = existsSync(apiserverBin) && existsSync(ETCD_BIN);

/** describe() that says why it is skipped when the binaries are not there (run scripts/build-k8s.sh). */
export const describeApiServer = haveApiServer ? describe : describe.skip;

export interface ApiServerFixture {
  dir: string;
  port: number;
  model: ClusterModel;
  pki: Pki;
  /** A client over TLS wrapped in a plain Duplex, the way an SSH channel arrives. */
  client(): KubeClient;
  /** The apiserver's log so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/** An address that is never contacted: the `kubernetes` Endpoints refuse a loopback one. */
const ADVERTISE_ADDRESS = '10.250.255.1';

export async function startApiServer(name: string): Promise<ApiServerFixture> {
  const dir = mkdtempSync(join(tmpdir(), `drover-kube-${name}-`));
  const children: ChildProcess[] = [];
  const stop = async () => {
    for (const child of children.reverse()) await killAndWait(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const configPath = join(dir, 'cluster.yml');
    const model = buildModel({ nodes: [{ address: ADVERTISE_ADDRESS, user: 'root', role: ['controlplane', 'etcd', 'worker'] }] } as unknown as ClusterConfig, configPath, dir);
    const pki = reconcilePki(undefined, model, { keyType: 'ecdsa', now: () => new Date(), randomSerial: () => randomBytes(16) }).pki;
    const file = (fileName: string, content: string) => {
      writeFileSync(join(dir, fileName), content, { mode: 0o600 });
      return join(dir, fileName);
    };
    const cert = (n: string) => pki.certs[n]!;
    const caFile = file('kube-ca.pem', cert('kube-ca').certPem);
    const tlsCert = file('kube-apiserver.pem', cert('kube-apiserver').certPem);
    const tlsKey = file('kube-apiserver-key.pem', cert('kube-apiserver').keyPem!);
    const saPub = file('sa.pub', pki.serviceAccount.publicKeyPem);
    const saKey = file('sa.key', pki.serviceAccount.privateKeyPem);
    const [clientPort, peerPort, port] = [await freePort(), await freePort(), await freePort()];

    const etcdLog = join(dir, 'etcd.log');
    mkdirSync(join(dir, 'etcd'), { mode: 0o700 });
    children.push(
      run(ETCD_BIN, [
        '--name=fixture', `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${clientPort}`, `--advertise-client-urls=http://127.0.0.1:${clientPort}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=fixture=http://127.0.0.1:${peerPort}`, '--log-level=warn',
      ], etcdLog),
    );
    const apiLog = join(dir, 'apiserver.log');
    children.push(
      run(apiserverBin, [
        `--etcd-servers=http://127.0.0.1:${clientPort}`, '--bind-address=127.0.0.1', `--secure-port=${port}`, '--insecure-port=0',
        `--advertise-address=${ADVERTISE_ADDRESS}`, `--client-ca-file=${caFile}`, `--tls-cert-file=${tlsCert}`, `--tls-private-key-file=${tlsKey}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local', `--service-account-key-file=${saPub}`,
        `--service-account-signing-key-file=${saKey}`, `--service-cluster-ip-range=${model.network.serviceClusterIpRange}`,
        '--authorization-mode=Node,RBAC', '--enable-admission-plugins=NodeRestriction', '--allow-privileged=true', '--profiling=false',
        `--cert-dir=${join(dir, 'apiserver-certs')}`, '--v=1',
      ], apiLog),
    );
    const admin = cert('kube-admin');
    const openSocket = () => tlsSocket(plainDuplex(net.connect(port, '127.0.0.1')), { ca: cert('kube-ca').certPem, cert: admin.certPem, key: admin.keyPem! });
    const client = () => createKubeClient({ openSocket });
    const log = () => tail(apiLog, 30);
    await waitReady(client(), children, log);
    return { dir, port, model, pki, client, log, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function run(bin: string, args: string[], logFile: string): ChildProcess {
  const out = Buffer.from('');
  writeFileSync(logFile, out);
  const child = spawn('sh', ['-c', 'exec "$0" "$@" >>"$LOG" 2>&1', bin, ...args], { env: { ...process.env, LOG: logFile }, stdio: 'ignore' });
  return child;
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function waitReady(client: KubeClient, children: ChildProcess[], log: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  let last = '';
  try {
    while (Date.now() < deadline) {
      const dead = children.find((c) => c.exitCode !== null);
      if (dead) throw new Error(`${String(dead.spawnargs[3])} exited (${dead.exitCode}):\n${log()}`);
      try {
        if ((await client.request<string>('GET', '/readyz', { text: true })) === 'ok') return;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`kube-apiserver not ready in 90 s (${last}):\n${log()}`);
  } finally {
    client.close();
  }
}

const tail = (file: string, lines: number): string => {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Hide the net.Socket behind a generic Duplex, so TLS runs over a JS stream as it does over SSH. */
/** TLS over an already open stream, as drover does over an SSH channel: kube-ca verifies, the admin presents. */
function tlsSocket(stream: Duplex, opts: { ca: string; cert: string; key: string }): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ socket: stream, ...opts, servername: 'kubernetes' });
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      socket.off('error', fail);
      resolve(socket);
    });
  });
}

export function plainDuplex(socket: net.Socket): Duplex {
  const duplex = new Duplex({
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    read() {
      socket.resume();
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });
  socket.on('data', (c: Buffer) => {
    if (!duplex.push(c)) socket.pause();
  });
  socket.on('end', () => duplex.push(null));
  socket.on('error', (e) => duplex.destroy(e));
  return duplex;
}
