import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isTransient } from '../../../src/transport/errors.js';
import { FakeDocker } from '../../fakes/fake-docker.js';
import { FakeHost } from '../../fakes/fake-host.js';

describe('FakeHost behaves like SshHost where callers can tell', () => {
  it('answers scripted commands, logs calls, and exits 127 for anything else', async () => {
    const h = new FakeHost('n1').onExec(/^echo (.*)$/, (_c, m) => ({ code: 0, stdout: `${m[1]}\n`, stderr: '' })).onExec('true', { code: 0, stdout: '', stderr: '' });
    expect(await h.exec('echo hi', { stdin: 's' })).toEqual({ code: 0, stdout: 'hi\n', stderr: '' });
    expect((await h.exec('ls')).code).toBe(127);
    expect(h.calls[0]).toEqual({ op: 'exec', arg: 'echo hi', stdin: 's' });
  });

  it('keeps a file tree with mkdir -p, modes and recursive remove', async () => {
    const h = new FakeHost('n1');
    await expect(h.putFile('/etc/kubernetes/a', 'x')).rejects.toThrow(/no such directory/);
    await h.mkdir('/etc/kubernetes/ssl');
    await h.putFile('/etc/kubernetes/ssl/k.pem', 'key', { mode: 0o600 });
    expect(h.files.get('/etc/kubernetes/ssl/k.pem')?.mode).toBe(0o600);
    await expect(h.remove('/etc/kubernetes')).rejects.toThrow(/non-empty/);
    await h.remove('/etc/kubernetes', { recursive: true });
    expect(await h.exists('/etc/kubernetes/ssl/k.pem')).toBe(false);
    expect(await h.exists('/etc')).toBe(true);
  });

  it('fails transiently when unreachable or when the connection drops after the effect', async () => {
    const h = new FakeHost('n1');
    h.dropNext();
    const err = await h.mkdir('/opt/x').catch((e: unknown) => e);
    expect(isTransient(err)).toBe(true);
    expect(await h.exists('/opt/x')).toBe(true); // the effect happened before the drop
    h.unreachable = true;
    expect(isTransient(await h.exec('true').catch((e: unknown) => e))).toBe(true);
  });
});

describe('FakeDocker follows the Engine API state machine', () => {
  it('creates, starts, stops and removes with Docker\'s idempotence and errors', async () => {
    const d = new FakeDocker('n1');
    d.images.add('img:1');
    await expect(d.createContainer({ name: 'c', image: 'missing:1' })).rejects.toMatchObject({ statusCode: 404 });
    await d.createContainer({ name: 'c', image: 'img:1', labels: { h: '1' } });
    await expect(d.createContainer({ name: 'c', image: 'img:1' })).rejects.toMatchObject({ statusCode: 409 });
    await d.startContainer('c');
    await d.startContainer('c');
    expect(await d.inspectContainer('c')).toMatchObject({ running: true, labels: { h: '1' } });
    await expect(d.removeContainer('c')).rejects.toMatchObject({ statusCode: 409 });
    await d.stopContainer('c');
    expect((await d.inspectContainer('c'))?.state).toBe('exited');
    await d.removeContainer('c');
    await d.removeContainer('c');
    expect(await d.inspectContainer('c')).toBeUndefined();
  });

  it('runs scripted behaviour, pulls with credentials, loads images, survives a daemon restart by policy', async () => {
    const d = new FakeDocker('n1');
    d.registry.set('reg/img:1', { auth: { username: 'u', password: 'p' } });
    await expect(d.pullImage('reg/img:1')).rejects.toMatchObject({ statusCode: 401 });
    await d.pullImage('reg/img:1', { serveraddress: 'reg', username: 'u', password: 'p' });
    await d.loadImage(Readable.from([Buffer.from('local/a:1\nlocal/b:1\n')]));
    expect([...d.images].sort()).toEqual(['local/a:1', 'local/b:1', 'reg/img:1']);
    d.behaviour = (req) => (req.name === 'job' ? { exitCode: 3, stdout: 'done\n' } : {});
    await d.createContainer({ name: 'job', image: 'local/a:1' });
    await d.startContainer('job');
    expect(await d.waitContainer('job')).toBe(3);
    expect(await d.containerLogs('job')).toEqual({ stdout: 'done\n', stderr: '' });
    await d.createContainer({ name: 'etcd', image: 'local/a:1', restartPolicy: 'always' });
    await d.createContainer({ name: 'once', image: 'local/a:1' });
    await d.startContainer('etcd');
    await d.startContainer('once');
    d.restartDaemon();
    expect((await d.listContainers()).map((c) => c.name)).toEqual(['etcd']);
    d.down = true;
    expect(isTransient(await d.version().catch((e: unknown) => e))).toBe(true);
  });
});
