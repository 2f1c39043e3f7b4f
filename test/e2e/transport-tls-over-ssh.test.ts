import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshEndpoint } from '../../src/model/cluster.js';
import { issueCertificate, type CertSpec, type IssuedCert } from '../../src/pki/index.js';
import { signerOf } from '../../src/pki/issue.js';
import { openTransport } from '../../src/transport/session.js';
import { httpsGet, httpsRequest, openTlsSocket, tlsOverSshAgent } from '../../src/transport/tls-over-ssh.js';
import { TlsOverSshError } from '../../src/transport/tls-target.js';
import { startLoopbackSshd, SSHD, type LoopbackSshd } from './loopback-sshd.js';

const canRun = existsSync(SSHD) && process.getuid?.() === 0;

const issueOpts = { keyType: 'ecdsa' as const, now: () => new Date(), randomSerial: () => randomBytes(16) };
const spec = (name: string, usage: CertSpec['usage'], issuer?: string, ips: string[] = []): CertSpec => ({
  name, commonName: name, organizations: [], dnsNames: [], ipAddresses: ips, usage, ...(issuer ? { issuer } : {}),
});
const issue = (s: CertSpec, ca?: IssuedCert) => issueCertificate(s, ca ? signerOf(ca) : undefined, undefined, issueOpts);

/** A service on "the node" (127.0.0.1 as sshd sees it) with mutual TLS, reached only through sshd. */
describe.skipIf(!canRun)('TLS over a node\'s SSH connection (real sshd on 127.0.0.1)', { timeout: 60_000 }, () => {
  let sshd: LoopbackSshd;
  let knownHosts: string;
  let server: Server;
  let port: number;
  const ca = issue(spec('test-ca', 'ca'));
  const otherCa = issue(spec('other-ca', 'ca'));
  const serverCert = issue(spec('test-server', 'server', 'test-ca', ['127.0.0.1']), ca);
  const client = issue(spec('test-client', 'client', 'test-ca'), ca);

  beforeAll(async () => {
    sshd = await startLoopbackSshd();
    knownHosts = join(sshd.dir, 'known_hosts');
    writeFileSync(knownHosts, sshd.knownHostsLine + '\n');
    server = createServer({ cert: serverCert.certPem, key: serverCert.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ method: req.method, path: req.url, client: peer.subject?.CN, body }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await sshd?.stop();
  });

  const endpoint = (s: LoopbackSshd = sshd): SshEndpoint => ({ address: '127.0.0.1', port: s.port, user: 'root', sshKeyPath: s.clientKeyPath, sshAgentAuth: false });
  const open = (path = knownHosts) => openTransport({ knownHostsPath: path, configPath: '/etc/drover/cluster.yml' }, {});
  const target = () => ({ host: '127.0.0.1', port, ca: ca.certPem, cert: client.certPem, key: client.keyPem! });

  it('GETs over mutual TLS through the node, on the node\'s one SSH connection', async () => {
    await using t = await open();
    const r = await httpsGet(t.pool, endpoint(), { ...target(), path: '/health?x=1' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.body)).toEqual({ method: 'GET', path: '/health?x=1', client: 'test-client', body: '' });
    const again = await httpsRequest(t.pool, endpoint(), { ...target(), method: 'POST', path: '/apply', body: '{"kind":"x"}', headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(again.body)).toMatchObject({ method: 'POST', body: '{"kind":"x"}' });
    expect(Object.values(t.pool.connectionsOpened())).toEqual([1]);
  });

  it('gives a verified socket (socket factory) and a keep-alive agent for many requests', async () => {
    await using t = await open();
    const sockets = new Set<unknown>();
    const count = (s: unknown) => sockets.add(s);
    server.on('secureConnection', count);
    const socket = await openTlsSocket(t.pool, endpoint(), target());
    expect(socket.authorized).toBe(true);
    expect(socket.getPeerCertificate().subject?.CN).toBe('test-server');
    socket.destroy();

    const agent = tlsOverSshAgent(t.pool, endpoint(), target(), 1);
    const get = (path: string) =>
      new Promise<string>((resolve, reject) => {
        request({ agent, host: '127.0.0.1', port, path }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        }).on('error', reject).end();
      });
    expect(JSON.parse(await get('/a')).path).toBe('/a');
    expect(JSON.parse(await get('/b')).path).toBe('/b');
    server.removeListener('secureConnection', count);
    expect(sockets.size).toBe(2); // the bare socket, then one for both requests: the second reused the first's
    agent.destroy();
  });

  it('refuses a server whose certificate does not chain to the given CA, or lacks the name: permanent', async () => {
    await using t = await open();
    const wrongCa = await httpsGet(t.pool, endpoint(), { ...target(), ca: otherCa.certPem, path: '/' }).catch((e: unknown) => e);
    expect(wrongCa).toBeInstanceOf(TlsOverSshError);
    expect((wrongCa as TlsOverSshError).transient).toBe(false);
    expect((wrongCa as TlsOverSshError).hint).toMatch(/chain to the given CA/);
    const wrongName = await httpsGet(t.pool, endpoint(), { ...target(), servername: 'etcd.example', path: '/' }).catch((e: unknown) => e);
    expect((wrongName as TlsOverSshError).message).toMatch(/etcd\.example|altnames/i);
    expect((wrongName as TlsOverSshError).transient).toBe(false);
  });

  it('a client certificate the server does not accept fails the request, not silently', async () => {
    await using t = await open();
    const stranger = issue(spec('stranger', 'client', 'other-ca'), otherCa);
    const err = await httpsGet(t.pool, endpoint(), { ...target(), cert: stranger.certPem, key: stranger.keyPem!, path: '/' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TlsOverSshError);
    expect((err as Error).message).toMatch(/^127\.0\.0\.1: /);
  });

  it('nothing listening is a transient error naming the target', async () => {
    await using t = await open();
    const closed = createTcpServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await httpsGet(t.pool, endpoint(), { ...target(), port: freePort, path: '/' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TlsOverSshError);
    expect((err as TlsOverSshError).transient).toBe(true);
    expect((err as Error).message).toContain(`nothing answers at 127.0.0.1:${freePort}`);
  });

  it('a server that never finishes the handshake times out (transient), and the connection stays usable', async () => {
    await using t = await open();
    const silent: TcpServer = createTcpServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const silentPort = (silent.address() as AddressInfo).port;
      const err = await httpsGet(t.pool, endpoint(), { ...target(), port: silentPort, path: '/', timeoutMs: 500 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TlsOverSshError);
      expect((err as TlsOverSshError).transient).toBe(true);
      expect((err as Error).message).toMatch(/timed out after 500 ms/);
      expect((await httpsGet(t.pool, endpoint(), { ...target(), path: '/' })).status).toBe(200);
    } finally {
      silent.close();
    }
  });

  it('sshd with forwarding disabled: a permanent error that names the setting', async () => {
    const strict = await startLoopbackSshd({ extraConfig: ['AllowTcpForwarding no'] });
    try {
      const kh = join(strict.dir, 'known_hosts');
      writeFileSync(kh, strict.knownHostsLine + '\n');
      await using t = await open(kh);
      const err = await httpsGet(t.pool, endpoint(strict), { ...target(), path: '/' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TlsOverSshError);
      expect((err as TlsOverSshError).transient).toBe(false);
      expect((err as TlsOverSshError).hint).toMatch(/AllowTcpForwarding yes/);
    } finally {
      await strict.stop();
    }
  });
});
