import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { labNetwork } from '../../src/lab/layout.js';
import { labNodeSpecs } from '../../src/lab/layout.js';
import { sha256Digest } from '../../src/lab/oci-image.js';
import {
  REGISTRY_PASSWORD_ENV, labRegistryEndpoint, registryConfigYaml, registryLink, registryPaths,
} from '../../src/lab/registry-config.js';
import {
  basicAuthorization, blobPath, manifestPath, parseAuthChallenge, uploadCompleteUrl, uploadStartPath,
} from '../../src/lab/registry-protocol.js';

const digest = sha256Digest('layer');

describe('registry protocol: auth challenge', () => {
  it('reads a Basic challenge as docker-registry sends it', () => {
    expect(parseAuthChallenge('Basic realm="drover-lab"')).toEqual({ scheme: 'basic', params: { realm: 'drover-lab' } });
  });

  it('reads a Bearer challenge with quoted, escaped and bare parameters', () => {
    expect(parseAuthChallenge('Bearer realm="https://auth.example/token",service="reg \\"x\\"",scope=repository:a:pull')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'reg "x"', scope: 'repository:a:pull' },
    });
  });

  it('has nothing to say about a missing or empty header', () => {
    expect(parseAuthChallenge(undefined)).toBeUndefined();
    expect(parseAuthChallenge('')).toBeUndefined();
  });

  it('answers with RFC 7617 Basic credentials, refusing a user name with a colon', () => {
    expect(basicAuthorization({ username: 'Aladdin', password: 'open sesame' })).toBe('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
    expect(basicAuthorization({ username: 'drover', password: 'pä:ss' })).toBe(`Basic ${Buffer.from('drover:pä:ss').toString('base64')}`);
    expect(() => basicAuthorization({ username: 'a:b', password: 'x' })).toThrow(/cannot contain/);
  });
});

describe('registry protocol: URLs', () => {
  it('builds the v2 paths for blobs, uploads and manifests', () => {
    expect(blobPath('drover-lab/etcd', digest)).toBe(`/v2/drover-lab/etcd/blobs/${digest}`);
    expect(uploadStartPath('drover-lab/etcd')).toBe('/v2/drover-lab/etcd/blobs/uploads/');
    expect(manifestPath('drover-lab/etcd', 'v3.4.23')).toBe('/v2/drover-lab/etcd/manifests/v3.4.23');
  });

  it('refuses repository names the registry would reject or that escape the path', () => {
    for (const bad of ['Etcd', '../etc', 'a//b', '/a', 'a/', 'a b']) expect(() => blobPath(bad, digest)).toThrow(/invalid repository/);
  });

  it('finishes an upload at the Location the registry gave, keeping its query and adding the digest', () => {
    const base = new URL('http://10.250.0.2:5000');
    const rel = uploadCompleteUrl(base, '/v2/x/blobs/uploads/abc?_state=s%2Bt', digest);
    expect(rel.href).toBe(`http://10.250.0.2:5000/v2/x/blobs/uploads/abc?_state=s%2Bt&digest=${encodeURIComponent(digest)}`);
    const abs = uploadCompleteUrl(base, 'http://10.250.0.2:5000/v2/x/blobs/uploads/abc?_state=q', digest);
    expect(abs.searchParams.get('_state')).toBe('q');
    expect(abs.searchParams.get('digest')).toBe(digest);
  });

  it('never follows an upload Location to another host', () => {
    expect(() => uploadCompleteUrl(new URL('http://10.250.0.2:5000'), 'http://203.0.113.9:5000/v2/x/blobs/uploads/a', digest)).toThrow(/another host/);
  });
});

describe('lab registry layout', () => {
  it('sits at .2 of the lab subnet on port 5000, which no node, bridge or gateway uses', () => {
    for (const slot of [0, 17, 254]) {
      const net = labNetwork(slot);
      const ep = labRegistryEndpoint({ network: net });
      expect(ep).toEqual({ address: `10.250.${slot}.2`, port: 5000, host: `10.250.${slot}.2:5000` });
      const used = [net.bridgeAddress, net.deadGateway, ...labNodeSpecs('x', slot, 50, 'all-roles').map((n) => n.address)];
      expect(used).not.toContain(ep.address);
    }
  });

  it('has its own veth name (≤ 15 chars) and MACs distinct from every node and the bridge', () => {
    const net = labNetwork(254);
    const link = registryLink(net);
    expect(link.hostVeth).toBe('dl254reg');
    expect(link.hostVeth.length).toBeLessThanOrEqual(15);
    const nodes = labNodeSpecs('x', 254, 50, 'all-roles');
    const others = [net.bridgeMac, ...nodes.flatMap((n) => [n.hostMac, n.nodeMac])];
    expect(others).not.toContain(link.hostMac);
    expect(others).not.toContain(link.nsMac);
    expect(nodes.map((n) => n.hostVeth)).not.toContain(link.hostVeth);
  });

  it('keeps runtime files outside the lab state dir and the password next to cluster.yml', () => {
    const p = registryPaths('drover', '/root/.drover-lab/drover', '/var/lib/drover-lab');
    expect(p.runDir).toBe('/var/lib/drover-lab/registry-drover');
    expect(p.passwordFile).toBe('/root/.drover-lab/drover/registry-password');
    expect(REGISTRY_PASSWORD_ENV).toBe('DROVER_LAB_REGISTRY_PASSWORD');
  });

  it('configures htpasswd auth, the shared storage and a listener inside its namespace', () => {
    const doc = yaml.load(registryConfigYaml({ storageDir: '/c/registry', htpasswdFile: '/r/htpasswd', httpSecret: 's' })) as Record<string, any>;
    expect(doc['auth']).toEqual({ htpasswd: { realm: 'drover-lab', path: '/r/htpasswd' } });
    expect(doc['storage'].filesystem).toEqual({ rootdirectory: '/c/registry' });
    expect(doc['http']).toEqual({ addr: '0.0.0.0:5000', secret: 's' });
    expect(doc['version']).toBe(0.1);
  });
});
