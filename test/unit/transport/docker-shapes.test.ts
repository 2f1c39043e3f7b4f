import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { demuxDockerStream, DockerStreamDemuxer } from '../../../src/transport/docker-demux.js';
import { toCreateBody } from '../../../src/transport/docker-create-body.js';

const frame = (type: 1 | 2, payload: Buffer) => {
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
};

describe('Docker stream demultiplexing', () => {
  it('splits stdout and stderr frames, whole or in arbitrary chunks (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom<1 | 2>(1, 2), fc.uint8Array({ maxLength: 40 })), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 13 }), { minLength: 1, maxLength: 10 }),
        (frames, cuts) => {
          const stream = Buffer.concat(frames.map(([t, p]) => frame(t, Buffer.from(p))));
          const want = (t: 1 | 2) => Buffer.concat(frames.filter(([ft]) => ft === t).map(([, p]) => Buffer.from(p)));
          const whole = demuxDockerStream(stream);
          expect(whole.stdout.equals(want(1))).toBe(true);
          expect(whole.stderr.equals(want(2))).toBe(true);
          const d = new DockerStreamDemuxer();
          for (let i = 0, k = 0; i < stream.length; k++) {
            const n = cuts[k % cuts.length]!;
            d.push(stream.subarray(i, i + n));
            i += n;
          }
          expect(Buffer.concat(d.stdout).equals(want(1))).toBe(true);
          expect(Buffer.concat(d.stderr).equals(want(2))).toBe(true);
        },
      ),
    );
  });
});

describe('container create body', () => {
  it('maps drover fields to the Engine API and leaves unset ones out', () => {
    expect(
      toCreateBody({
        name: 'etcd',
        image: 'img:1',
        cmd: ['/usr/local/bin/etcd', '--name=x'],
        env: ['A=1'],
        labels: { 'io.drover.spec-hash': 'abc' },
        binds: ['/var/lib/etcd:/var/lib/rancher/etcd:z'],
        networkMode: 'host',
        pidMode: 'host',
        privileged: true,
        restartPolicy: 'always',
        portBindings: { '80/tcp': [{ hostPort: '8080' }] },
      }),
    ).toEqual({
      name: 'etcd',
      Image: 'img:1',
      Cmd: ['/usr/local/bin/etcd', '--name=x'],
      Env: ['A=1'],
      Labels: { 'io.drover.spec-hash': 'abc' },
      ExposedPorts: { '80/tcp': {} },
      HostConfig: {
        Binds: ['/var/lib/etcd:/var/lib/rancher/etcd:z'],
        NetworkMode: 'host',
        PidMode: 'host',
        Privileged: true,
        RestartPolicy: { Name: 'always' },
        PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] },
      },
    });
    expect(toCreateBody({ name: 'x', image: 'i', restartPolicy: 'no' })).toEqual({ name: 'x', Image: 'i', HostConfig: { RestartPolicy: { Name: '' } } });
  });
});

describe('Docker error classification', () => {
  it('retries broken streams and daemon 5xx, but not registry refusals dockerd reports as 500', async () => {
    const { toDockerError } = await import('../../../src/transport/docker-api.js');
    expect(toDockerError('n', 'pull', Object.assign(new Error('socket hang up'), {})).transient).toBe(true);
    expect(toDockerError('n', 'start', Object.assign(new Error('x'), { statusCode: 503, json: { message: 'busy' } })).transient).toBe(true);
    const refused = toDockerError('n', 'pull', Object.assign(new Error('x'), { statusCode: 500, json: { message: 'Get "http://r/v2/": no basic auth credentials' } }));
    expect(refused.transient).toBe(false);
    expect(refused.message).toContain('no basic auth credentials');
    expect(toDockerError('n', 'create', Object.assign(new Error('x'), { statusCode: 409 })).transient).toBe(false);
  });
});
