import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerApi } from '../../../src/transport/docker-api.js';
import { dockerPath, registryAuthHeader, splitImageRef } from '../../../src/transport/docker-http.js';
import { agentOverStreams } from '../../../src/transport/docker-streams.js';
import { DockerError } from '../../../src/transport/errors.js';

describe('Engine API request shapes', () => {
  it('query strings: booleans as 1/0, unset values left out', () => {
    expect(dockerPath('/containers/json', { all: true })).toBe('/containers/json?all=1');
    expect(dockerPath('/containers/x', { force: false, v: undefined })).toBe('/containers/x?force=0');
    expect(dockerPath('/_ping')).toBe('/_ping');
    expect(dockerPath('/images/create', { fromImage: '10.0.0.2:5000/a/b', tag: 'v1' })).toBe('/images/create?fromImage=10.0.0.2%3A5000%2Fa%2Fb&tag=v1');
  });
  it('image references: tag, digest, registry port, default latest', () => {
    expect(splitImageRef('etcd:v3.4.23')).toEqual({ fromImage: 'etcd', tag: 'v3.4.23' });
    expect(splitImageRef('10.250.0.2:5000/drover-lab/etcd:v3.4.23')).toEqual({ fromImage: '10.250.0.2:5000/drover-lab/etcd', tag: 'v3.4.23' });
    expect(splitImageRef('10.250.0.2:5000/drover-lab/etcd')).toEqual({ fromImage: '10.250.0.2:5000/drover-lab/etcd', tag: 'latest' });
    expect(splitImageRef('r/x@sha256:abc')).toEqual({ fromImage: 'r/x', tag: 'sha256:abc' });
  });
  it('X-Registry-Auth is padded base64url of the JSON credentials', () => {
    const auth = { username: 'u', password: 'p?>>', serveraddress: 'r:5000' };
    const h = registryAuthHeader(auth);
    expect(h).not.toMatch(/[+/]/);
    expect(h.length % 4).toBe(0);
    expect(JSON.parse(Buffer.from(h.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString())).toEqual(auth);
  });
});

/**
 * A stand-in for dockerd on 127.0.0.1 that answers the calls the way the Engine API does
 * (JSON errors with `message`, 304/404 for no-ops, exec start hijacked with a 101 and framed output).
 */
describe('DockerApi against an Engine-API-shaped server', () => {
  let server: Server;
  let api: DockerApi;
  const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const frame = (type: 1 | 2, text: string) => {
    const p = Buffer.from(text);
    const h = Buffer.alloc(8);
    h[0] = type;
    h.writeUInt32BE(p.length, 4);
    return Buffer.concat([h, p]);
  };
  let execs = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const json = (status: number, v: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
        const url = req.url ?? '';
        if (url === '/version') return json(200, { Version: '20.10.24', ApiVersion: '1.41', Os: 'linux', Arch: 'amd64' });
        if (url.startsWith('/containers/ghost/json')) return json(404, { message: 'No such container: ghost' });
        if (url.startsWith('/containers/etcd/json'))
          return json(200, { Id: 'abc', Name: '/etcd', Image: 'sha256:1', RestartCount: 0, Config: { Image: 'etcd:1', Labels: null }, State: { Status: 'running', Running: true, ExitCode: 0, StartedAt: 's', FinishedAt: 'f' } });
        if (url.startsWith('/containers/create')) return json(201, { Id: 'new1' });
        if (url.startsWith('/containers/etcd/start')) return res.writeHead(304).end();
        if (url.startsWith('/containers/ghost?')) return json(404, { message: 'No such container: ghost' });
        if (url.startsWith('/images/create')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end('{"status":"Pulling"}\n{"errorDetail":{"message":"unauthorized: authentication required"},"error":"unauthorized"}\n');
        }
        if (url === '/containers/etcd/exec') return json(201, { Id: `ex${++execs}` });
        if (url.startsWith('/exec/') && url.endsWith('/json')) return json(200, { Running: false, ExitCode: 3 });
        if (url === '/info') return json(500, { message: 'daemon busy' });
        return json(404, { message: `page not found: ${url}` });
      });
    });
    server.on('upgrade', (req: IncomingMessage, socket) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' });
      socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
      let stdin = '';
      socket.on('data', (c: Buffer) => (stdin += c.toString()));
      socket.on('end', () => socket.end(Buffer.concat([frame(1, `got:${stdin}`), frame(2, 'warn\n')])));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    api = new DockerApi('node1', agentOverStreams(async () => connect(port, '127.0.0.1'), 4));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads JSON answers and maps them to drover\'s shapes', async () => {
    expect(await api.version()).toEqual({ version: '20.10.24', apiVersion: '1.41', os: 'linux', arch: 'amd64' });
    expect(await api.inspectContainer('etcd')).toMatchObject({ id: 'abc', name: 'etcd', image: 'etcd:1', running: true, labels: {} });
    expect(await api.inspectContainer('ghost')).toBeUndefined();
  });

  it('create sends the name as a query and the spec as JSON; 304 on start and 404 on remove are fine', async () => {
    expect(await api.createContainer({ name: 'etcd', image: 'etcd:1', env: ['A=1'] })).toBe('new1');
    const create = seen.find((s) => s.url.startsWith('/containers/create'))!;
    expect(create.url).toBe('/containers/create?name=etcd');
    expect(JSON.parse(create.body)).toEqual({ Image: 'etcd:1', Env: ['A=1'], HostConfig: {} });
    expect(create.headers['content-type']).toBe('application/json');
    await api.startContainer('etcd');
    await api.removeContainer('ghost', { force: true });
    expect(seen.at(-1)?.url).toBe('/containers/ghost?force=1&v=0');
  });

  it('pull sends X-Registry-Auth, and an error line in a 200 stream is a permanent failure', async () => {
    const err = await api.pullImage('r:5000/etcd:v1', { username: 'u', password: 'p', serveraddress: 'r:5000' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerError);
    expect((err as DockerError).transient).toBe(false);
    expect((err as Error).message).toBe('node1: docker pull r:5000/etcd:v1: unauthorized: authentication required');
    const pull = seen.find((s) => s.url.startsWith('/images/create'))!;
    expect(pull.url).toBe('/images/create?fromImage=r%3A5000%2Fetcd&tag=v1');
    expect(JSON.parse(Buffer.from(String(pull.headers['x-registry-auth']), 'base64url').toString())).toEqual({ username: 'u', password: 'p', serveraddress: 'r:5000' });
  });

  it('exec: stdin reaches the process over the hijacked stream; output demuxed; the exit code from exec inspect', async () => {
    expect(await api.exec('etcd', ['cat'], { stdin: 'secret' })).toEqual({ code: 3, stdout: 'got:secret', stderr: 'warn\n' });
    const start = seen.find((s) => s.url.startsWith('/exec/') && s.url.endsWith('/start'))!;
    expect(start.headers['upgrade']).toBe('tcp');
  });

  it('daemon 5xx is retried for reads and then reported as transient with Docker\'s message', async () => {
    const before = seen.filter((s) => s.url === '/info').length;
    const err = await api.info().catch((e: unknown) => e);
    expect((err as DockerError).transient).toBe(true);
    expect((err as DockerError).statusCode).toBe(500);
    expect((err as Error).message).toBe('node1: docker info: daemon busy');
    expect(seen.filter((s) => s.url === '/info').length - before).toBe(4);
  });
});
