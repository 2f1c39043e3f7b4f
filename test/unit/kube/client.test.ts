import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient } from '../../../src/kube/client.js';
import { KubeApiError, KubeConnectError } from '../../../src/kube/errors.js';

/** The client's HTTP handling against a local plain-HTTP server (TLS is the socket opener's job). */
describe('kube client', () => {
  let server: http.Server;
  let port = 0;
  let connections = 0;
  const seen: { method: string; url: string; type?: string; body: string }[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, ...(req.headers['content-type'] ? { type: req.headers['content-type'] } : {}), body });
        const json = (status: number, value: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(value));
        };
        if (req.url === '/missing') return json(404, { kind: 'Status', reason: 'NotFound', message: 'configmaps "x" not found' });
        if (req.url === '/busy') return json(503, { kind: 'Status', reason: 'ServiceUnavailable', message: 'etcd is slow' });
        if (req.url === '/plain') return res.end('just text\n');
        return json(200, { echo: body ? JSON.parse(body) : null });
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const client = () => createKubeClient({ openSocket: async () => net.connect(port, '127.0.0.1') });

  it('sends JSON, reads JSON, and keeps its sockets for the next requests', async () => {
    const c = client();
    const before = connections;
    for (let i = 0; i < 5; i++) {
      expect(await c.request('PATCH', '/objects', { body: { n: i }, contentType: 'application/apply-patch+yaml', query: { fieldManager: 'drover', dryRun: undefined } })).toEqual({ echo: { n: i } });
    }
    expect(connections - before).toBe(1);
    expect(seen.at(-1)).toEqual({ method: 'PATCH', url: '/objects?fieldManager=drover', type: 'application/apply-patch+yaml', body: '{"n":4}' });
    c.close();
  });

  it('turns a Status answer into an error naming what was attempted, transient for 5xx', async () => {
    const c = client();
    const missing = await c.request('GET', '/missing', { what: 'read ConfigMap default/x' }).catch((e: unknown) => e as KubeApiError);
    expect(missing).toBeInstanceOf(KubeApiError);
    expect(missing).toMatchObject({ message: 'read ConfigMap default/x: configmaps "x" not found', status: 404, reason: 'NotFound', transient: false });
    expect(await c.getOptional('/missing')).toBeUndefined();
    await expect(c.request('GET', '/busy')).rejects.toMatchObject({ status: 503, transient: true, message: 'GET /busy: etcd is slow' });
    expect(await c.request('GET', '/plain', { text: true })).toBe('just text\n');
    c.close();
  });

  it('reports an API it cannot reach as a transient connection error', async () => {
    const c = createKubeClient({ openSocket: () => Promise.reject(new Error('forward refused')) });
    const err = await c.request('GET', '/api/v1', { what: 'discover v1' }).catch((e: unknown) => e as KubeConnectError);
    expect(err).toBeInstanceOf(KubeConnectError);
    expect(err).toMatchObject({ message: 'discover v1: cannot reach the Kubernetes API: forward refused', transient: true });
  });
});
