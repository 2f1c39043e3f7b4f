import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_MEDIA_TYPE, LAYER_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, buildImage, formatImageReference, imageConfig, isDigest,
  parseImageReference, sha256Digest, type LayerDescriptor,
} from '../../src/lab/oci-image.js';

const digestOf = (text: string) => sha256Digest(text);
const base: LayerDescriptor = { digest: digestOf('base.gz'), size: 1113474, diffId: digestOf('base.tar') };
const etcd: LayerDescriptor = { digest: digestOf('etcd.gz'), size: 16670140, diffId: digestOf('etcd.tar') };

describe('lab OCI image: digests', () => {
  it('is sha256 of the exact bytes, in the sha256:<hex> form', () => {
    expect(sha256Digest('')).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Digest(Buffer.from('abc'))).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(isDigest(sha256Digest('x'))).toBe(true);
    expect(isDigest('sha256:ABC')).toBe(false);
    expect(isDigest(`sha512:${'0'.repeat(64)}`)).toBe(false);
  });
});

describe('lab OCI image: config', () => {
  it('lists the uncompressed layer digests, bottom first, with amd64/linux and the run settings', () => {
    const config = JSON.parse(imageConfig([base, etcd], { cmd: ['/usr/local/bin/etcd'], env: ['PATH=/bin', 'ETCDCTL_API=3'] }).toString());
    expect(config).toEqual({
      architecture: 'amd64',
      os: 'linux',
      created: '1970-01-01T00:00:00Z',
      config: { Env: ['PATH=/bin', 'ETCDCTL_API=3'], Cmd: ['/usr/local/bin/etcd'] },
      rootfs: { type: 'layers', diff_ids: [base.diffId, etcd.diffId] },
      history: [
        { created: '1970-01-01T00:00:00Z', created_by: 'drover lab image builder' },
        { created: '1970-01-01T00:00:00Z', created_by: 'drover lab image builder' },
      ],
    });
  });

  it('carries Entrypoint, WorkingDir and sorted Labels only when given, and a default PATH', () => {
    const config = JSON.parse(
      imageConfig([base], { entrypoint: ['/bin/sh', '-c'], workingDir: '/root', labels: { z: '1', a: '2' } }).toString(),
    ).config;
    expect(config).toEqual({
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Entrypoint: ['/bin/sh', '-c'],
      WorkingDir: '/root',
      Labels: { a: '2', z: '1' },
    });
    expect(Object.keys(config.Labels)).toEqual(['a', 'z']);
    expect(JSON.parse(imageConfig([base]).toString()).config).toEqual({ Env: [expect.stringMatching(/^PATH=/)] });
  });

  it('refuses an image without layers', () => {
    expect(() => imageConfig([])).toThrow(/at least one layer/);
  });
});

describe('lab OCI image: manifest', () => {
  it('is a schema 2 manifest pointing at the config blob and the gzip layers', () => {
    const image = buildImage([base, etcd], { cmd: ['/bin/sh'] });
    const manifest = JSON.parse(image.manifest.toString());
    expect(manifest).toEqual({
      schemaVersion: 2,
      mediaType: MANIFEST_MEDIA_TYPE,
      config: { mediaType: CONFIG_MEDIA_TYPE, size: image.config.length, digest: sha256Digest(image.config) },
      layers: [
        { mediaType: LAYER_MEDIA_TYPE, size: base.size, digest: base.digest },
        { mediaType: LAYER_MEDIA_TYPE, size: etcd.size, digest: etcd.digest },
      ],
    });
    expect(MANIFEST_MEDIA_TYPE).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(image.manifestDigest).toBe(`sha256:${createHash('sha256').update(image.manifest).digest('hex')}`);
    expect(image.configRef).toEqual({ mediaType: CONFIG_MEDIA_TYPE, digest: sha256Digest(image.config), size: image.config.length });
  });

  it('is byte-for-byte reproducible, and any change of layers or settings changes its digest', () => {
    const layer = fc.record({
      digest: fc.string().map((s) => sha256Digest(`gz${s}`)),
      size: fc.nat(),
      diffId: fc.string().map((s) => sha256Digest(`tar${s}`)),
    });
    fc.assert(
      fc.property(fc.array(layer, { minLength: 1, maxLength: 4 }), fc.array(fc.string(), { maxLength: 3 }), (layers, cmd) => {
        const a = buildImage(layers, { cmd });
        expect(buildImage(layers, { cmd }).manifest.equals(a.manifest)).toBe(true);
        expect(buildImage(layers, { cmd: [...cmd, 'x'] }).manifestDigest).not.toBe(a.manifestDigest);
        const bumped = layers.map((l, i) => (i === 0 ? { ...l, size: l.size + 1 } : l));
        expect(buildImage(bumped, { cmd }).manifestDigest).not.toBe(a.manifestDigest);
      }),
    );
  });
});

describe('lab OCI image: references', () => {
  it('parses host:port/path/name:tag and formats it back', () => {
    const ref = parseImageReference('10.250.0.2:5000/drover-lab/etcd:v3.4.23');
    expect(ref).toEqual({ registry: '10.250.0.2:5000', repository: 'drover-lab/etcd', tag: 'v3.4.23' });
    expect(formatImageReference(ref)).toBe('10.250.0.2:5000/drover-lab/etcd:v3.4.23');
  });

  it.each(['etcd:v3', 'drover-lab/etcd', '10.250.0.2:5000/Etcd:v1', '10.250.0.2:5000/etcd:', '10.250.0.2:5000/etcd:-x'])('rejects %s', (text) => {
    expect(() => parseImageReference(text)).toThrow(/not a registry image reference/);
  });
});
