import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type Server } from 'node:tls';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { certGenerate } from '../../../src/actions/cert-generate.js';
import { certStatus } from '../../../src/actions/cert-status.js';
import type { IoHost } from '../../../src/cli/io.js';
import { DroverError } from '../../../src/errors.js';
import { StateStore, statePathFor } from '../../../src/state/index.js';
import type { Pki } from '../../../src/pki/index.js';

const CLUSTER_YML = `ssh_key_path: ./id_test
nodes:
  - address: 10.250.0.11
    internal_address: 192.168.1.11
    hostname_override: cp-1
    user: root
    role: [controlplane, etcd, worker]
  - address: 10.250.0.12
    user: root
    role: [etcd, worker]
authentication:
  sans: [api.example.com]
`;

function captureIo(cwd: string, output: IoHost['output'] = 'plain', env: Record<string, string> = {}): IoHost & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t) => void (out += t), isTTY: false },
    stderr: { write: (t) => void (err += t), isTTY: false },
    env: { HOME: cwd, ...env },
    cwd,
    output,
    quiet: false,
    debug: false,
    out: () => out,
    err: () => err,
  };
}

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const pem = (dir: string, name: string): Promise<string> => readFile(join(dir, `${name}.pem`), 'utf8');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'drover-cert-'));
  await writeFile(join(dir, 'cluster.yml'), CLUSTER_YML);
  await writeFile(join(dir, 'id_test'), 'not used: nothing connects\n', { mode: 0o600 });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('drover cert generate', () => {
  it('writes every certificate, key and kubeconfig; keys and the admin kubeconfig 0600', async () => {
    const io = captureIo(dir, 'json');
    expect(await certGenerate({ config: 'cluster.yml', out: 'pki' }, io)).toBe(0);
    const report = JSON.parse(io.out()) as { certificates: number; issued: number; written: string[] };
    expect(report.issued).toBe(report.certificates);
    const out = join(dir, 'pki');
    const names = (await readdir(out)).sort();
    expect(names).toEqual([...report.written].sort());
    expect(names).toContain('kube_config_cluster.yml');
    for (const name of names) {
      const mode = (await stat(join(out, name))).mode & 0o777;
      expect(mode, name).toBe(name.endsWith('-key.pem') || name === 'kube_config_cluster.yml' ? 0o600 : 0o644);
    }
    expect(new X509Certificate(await pem(out, 'kube-apiserver')).subjectAltName).toContain('DNS:api.example.com');
    await expect(stat(statePathFor(join(dir, 'cluster.yml')))).rejects.toThrow(); // offline: no state written
  });

  it.skipIf(!hasOpenssl)('passes `openssl verify` for every leaf against its CA', async () => {
    await certGenerate({ config: 'cluster.yml', out: 'pki' }, captureIo(dir));
    const out = join(dir, 'pki');
    const cas = ['kube-ca', 'kube-etcd-ca', 'kube-apiserver-requestheader-ca'];
    const leaves = (await readdir(out)).filter((n) => n.endsWith('.pem') && !n.endsWith('-key.pem') && !n.startsWith('kube-service-account'));
    const byIssuer = new Map<string, string[]>();
    for (const leaf of leaves.map((n) => n.slice(0, -4)).filter((n) => !cas.includes(n))) {
      const x = new X509Certificate(await pem(out, leaf));
      const issuer = x.issuer.replace('CN=', '');
      expect(cas).toContain(issuer);
      expect(x.checkPrivateKey(createPrivateKey(await pem(out, `${leaf}-key`))), `${leaf}-key.pem pairs with ${leaf}.pem`).toBe(true);
      byIssuer.set(issuer, [...(byIssuer.get(issuer) ?? []), join(out, `${leaf}.pem`)]);
    }
    // One `openssl verify` per CA with all of its leaves; it prints "<file>: OK" for each.
    let verified = 0;
    for (const [issuer, files] of byIssuer) {
      const result = spawnSync('openssl', ['verify', '-CAfile', join(out, `${issuer}.pem`), ...files], { encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout.trim().split('\n').sort()).toEqual(files.map((f) => `${f}: OK`).sort());
      verified += files.length;
    }
    const wrong = spawnSync('openssl', ['verify', '-CAfile', join(out, 'kube-ca.pem'), join(out, 'kube-etcd-10-250-0-11.pem')], { encoding: 'utf8' });
    expect(wrong.status).not.toBe(0);
  });

  it('produces certificates a real TLS handshake accepts (apiserver serving, admin client)', async () => {
    await certGenerate({ config: 'cluster.yml', out: 'pki' }, captureIo(dir));
    const out = join(dir, 'pki');
    const ca = await pem(out, 'kube-ca');
    const server: Server = createServer({
      cert: await pem(out, 'kube-apiserver'),
      key: await readFile(join(out, 'kube-apiserver-key.pem')),
      ca,
      requestCert: true,
      rejectUnauthorized: true,
    }, (socket) => socket.end(`hello ${(socket.getPeerCertificate().subject as { CN: string }).CN}`));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const cert = await readFile(join(out, 'kube-admin.pem'));
      const key = await readFile(join(out, 'kube-admin-key.pem'));
      const reply = await new Promise<string>((resolve, reject) => {
        const client = connect({
          host: '127.0.0.1',
          port,
          servername: 'kubernetes.default.svc.cluster.local',
          ca,
          cert,
          key,
        });
        let data = '';
        client.on('data', (d: Buffer) => (data += d.toString()));
        client.on('end', () => resolve(data));
        client.on('error', reject);
      });
      expect(reply).toBe('hello kube-admin');
    } finally {
      server.close();
    }
  });

  it('reuses a PKI given with --cert-dir: nothing is re-issued, every file is the same', async () => {
    await certGenerate({ config: 'cluster.yml', out: 'first' }, captureIo(dir));
    const io = captureIo(dir, 'json');
    await certGenerate({ config: 'cluster.yml', out: 'second', certDir: 'first' }, io);
    expect(JSON.parse(io.out())).toMatchObject({ issued: 0, kept: 19 });
    for (const name of await readdir(join(dir, 'first'))) {
      if (!name.endsWith('.pem')) continue;
      expect(await readFile(join(dir, 'second', name), 'utf8'), name).toBe(await readFile(join(dir, 'first', name), 'utf8'));
    }
  });

  it('rejects an unknown key type with exit 2', async () => {
    const err = await certGenerate({ config: 'cluster.yml', out: 'pki', keyType: 'dsa' }, captureIo(dir)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DroverError);
    expect((err as DroverError).exitCode).toBe(2);
  });
});

describe('drover cert status', () => {
  it('lists every certificate in the state with its expiry, soonest first', async () => {
    await certGenerate({ config: 'cluster.yml', out: 'pki' }, captureIo(dir));
    // Until `up` exists, put a PKI into the state by hand: the certificates from the output dir.
    const out = join(dir, 'pki');
    const certs: Pki['certs'] = {};
    for (const name of ['kube-ca', 'kube-admin', 'kube-apiserver']) {
      certs[name] = { name, certPem: await pem(out, name), keyPem: await pem(out, `${name}-key`), specHash: 'x' };
    }
    const sa = { privateKeyPem: await pem(out, 'kube-service-account-token-key'), publicKeyPem: await pem(out, 'kube-service-account-token') };
    await new StateStore(statePathFor(join(dir, 'cluster.yml')), undefined).save({ droverVersion: 'test', versions: {}, pki: { keyType: 'ecdsa', certs, serviceAccount: sa } });
    const io = captureIo(dir, 'json');
    const inElevenMonths = new Date(Date.now() + 340 * 86_400_000);
    expect(await certStatus({ config: 'cluster.yml' }, io, inElevenMonths)).toBe(0);
    const lines = io.out().trim().split('\n').map((l) => JSON.parse(l) as { name: string; status: string; daysLeft: number });
    // Soonest first: the two leaves (same second, or one apart) before the ten-year CA.
    expect(lines.slice(0, 2).map((l) => l.name).sort()).toEqual(['kube-admin', 'kube-apiserver']);
    expect(lines.map((l) => l.status)).toEqual(['expiring', 'expiring', 'ok']);
    expect(lines[2]).toMatchObject({ name: 'kube-ca' });
    const plain = captureIo(dir);
    await certStatus({ config: 'cluster.yml' }, plain);
    expect(plain.out()).toMatch(/^CERTIFICATE\s+SUBJECT CN\s+ISSUER\s+EXPIRES\s+DAYS\s+STATUS\n/);
    expect(plain.out()).toMatch(/kube-apiserver\s+kube-apiserver\s+kube-ca\s+\d{4}-\d\d-\d\d\s+36[45]\s+ok/);
  });

  it('says where the missing state should be, exit 2', async () => {
    const err = await certStatus({ config: 'cluster.yml' }, captureIo(dir)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DroverError);
    expect((err as DroverError).exitCode).toBe(2);
    expect((err as DroverError).message).toContain(join(dir, 'cluster.droverstate'));
  });
});
