import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, reconcilePki, type Pki, type ReconcileOptions } from '../../../src/pki/index.js';
import { certSpecsFor } from '../../../src/pki/specs.js';
import { threeNodeModel, testModel, testNode } from './model.js';
import { basicConstraintsCritical, ekuOf, keyUsages, sansOf, subjectOf } from './x509-read.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

function options(extra: Partial<ReconcileOptions> = {}): ReconcileOptions {
  return { keyType: 'ecdsa', now: () => NOW, randomSerial: () => randomBytes(16), ...extra };
}

const cert = (pki: Pki, name: string): string => {
  const entry = pki.certs[name];
  if (!entry) throw new Error(`no ${name} in the PKI`);
  return entry.certPem;
};

describe('PKI for a three-node cluster', () => {
  const model = threeNodeModel();
  let pki: Pki;
  beforeAll(() => {
    pki = reconcilePki(undefined, model, options()).pki;
  });

  it('issues exactly the certificates the specs name', () => {
    expect(Object.keys(pki.certs).sort()).toEqual(certSpecsFor(model).map((s) => s.name).sort());
    expect(Object.keys(pki.certs)).toEqual(
      expect.arrayContaining([
        'kube-ca', 'kube-etcd-ca', 'kube-apiserver-requestheader-ca', 'kube-apiserver', 'kube-apiserver-kubelet-client',
        'kube-apiserver-etcd-client', 'kube-apiserver-proxy-client', 'kube-controller-manager', 'kube-scheduler',
        'kube-proxy', 'kube-admin', 'kube-etcd-10-250-0-11', 'kube-etcd-peer-10-250-0-12', 'kube-node-10-250-0-13',
        'kube-kubelet-10-250-0-13',
      ]),
    );
    expect(pki.certs['kube-etcd-10-250-0-13']).toBeUndefined(); // a worker has no etcd certificate
  });

  it('chains every leaf to the right CA and the CAs are self-signed CAs', () => {
    for (const spec of certSpecsFor(model)) {
      const x = new X509Certificate(cert(pki, spec.name));
      if (!spec.issuer) {
        expect(x.ca, spec.name).toBe(true);
        expect(x.checkIssued(x)).toBe(true);
        expect(x.verify(x.publicKey)).toBe(true);
        expect(basicConstraintsCritical(x.toString())).toBe(true);
        continue;
      }
      const ca = new X509Certificate(cert(pki, spec.issuer));
      expect(x.ca, spec.name).toBe(false);
      expect(x.checkIssued(ca), `${spec.name} issued by ${spec.issuer}`).toBe(true);
      expect(x.verify(ca.publicKey), `${spec.name} signature`).toBe(true);
      for (const other of ['kube-ca', 'kube-etcd-ca', 'kube-apiserver-requestheader-ca'].filter((n) => n !== spec.issuer)) {
        expect(x.verify(new X509Certificate(cert(pki, other)).publicKey), `${spec.name} not signed by ${other}`).toBe(false);
      }
    }
  });

  it('puts every name the apiserver answers on in its SANs', () => {
    expect(sansOf(cert(pki, 'kube-apiserver'))).toEqual(
      [
        'DNS:cp-1', 'DNS:cp-2', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc',
        'DNS:kubernetes.default.svc.cluster.local', 'DNS:localhost', 'IP Address:10.250.0.11', 'IP Address:10.250.0.12',
        'IP Address:10.43.0.1', 'IP Address:127.0.0.1', 'IP Address:192.168.1.11',
      ].sort(),
    );
  });

  it('gives etcd and kubelet serving certificates their own node addresses only', () => {
    expect(sansOf(cert(pki, 'kube-etcd-10-250-0-11'))).toEqual(
      ['DNS:cp-1', 'DNS:localhost', 'IP Address:10.250.0.11', 'IP Address:127.0.0.1', 'IP Address:192.168.1.11'].sort(),
    );
    expect(sansOf(cert(pki, 'kube-kubelet-10-250-0-13'))).toEqual(['DNS:worker-1', 'IP Address:10.250.0.13'].sort());
  });

  it.each([
    ['kube-admin', 'O=system:masters\nCN=kube-admin', [CLIENT_AUTH]],
    ['kube-apiserver', 'CN=kube-apiserver', [SERVER_AUTH]],
    ['kube-apiserver-kubelet-client', 'O=system:masters\nCN=kube-apiserver-kubelet-client', [CLIENT_AUTH]],
    ['kube-apiserver-etcd-client', 'CN=kube-apiserver-etcd-client', [CLIENT_AUTH]],
    ['kube-apiserver-proxy-client', 'CN=kube-apiserver-proxy-client', [CLIENT_AUTH]],
    ['kube-controller-manager', 'CN=system:kube-controller-manager', [CLIENT_AUTH]],
    ['kube-scheduler', 'CN=system:kube-scheduler', [CLIENT_AUTH]],
    ['kube-proxy', 'CN=system:kube-proxy', [CLIENT_AUTH]],
    ['kube-node-10-250-0-13', 'O=system:nodes\nCN=system:node:worker-1', [CLIENT_AUTH]],
    ['kube-kubelet-10-250-0-13', 'O=system:nodes\nCN=system:node:worker-1', [SERVER_AUTH]],
    ['kube-etcd-10-250-0-12', 'CN=cp-2', [SERVER_AUTH, CLIENT_AUTH]],
    ['kube-etcd-peer-10-250-0-12', 'CN=cp-2', [SERVER_AUTH, CLIENT_AUTH]],
  ])('%s has the right subject, extended and key usages', (name, subject, eku) => {
    const pem = cert(pki, name);
    expect(subjectOf(pem)).toBe(subject);
    expect(ekuOf(pem)).toEqual([...eku].sort());
    expect(keyUsages(pem)).toEqual({ critical: true, usages: ['digitalSignature'] });
  });

  it('gives CAs certificate-signing key usage and no extended usage', () => {
    for (const name of ['kube-ca', 'kube-etcd-ca', 'kube-apiserver-requestheader-ca']) {
      expect(keyUsages(cert(pki, name)).usages).toEqual(['digitalSignature', 'keyCertSign', 'cRLSign']);
      expect(ekuOf(cert(pki, name))).toEqual([]);
      expect(subjectOf(cert(pki, name))).toBe(`CN=${name}`);
    }
  });

  it('makes CAs valid ten years and leaves one year, backdated a little for clock skew', () => {
    const ca = new X509Certificate(cert(pki, 'kube-ca'));
    const leaf = new X509Certificate(cert(pki, 'kube-admin'));
    const days = (x: X509Certificate) => (new Date(x.validTo).getTime() - NOW.getTime()) / 86_400_000;
    expect(days(ca)).toBe(3650);
    expect(days(leaf)).toBe(365);
    expect(new Date(leaf.validFrom).getTime()).toBeLessThan(NOW.getTime());
    expect(NOW.getTime() - new Date(leaf.validFrom).getTime()).toBeLessThanOrEqual(5 * 60_000);
  });

  it('keeps each private key paired with its certificate, keys ECDSA P-256', () => {
    for (const entry of Object.values(pki.certs)) {
      const x = new X509Certificate(entry.certPem);
      expect(x.checkPrivateKey(privateKey(entry.keyPem)), entry.name).toBe(true);
      expect(x.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    }
    expect(pki.serviceAccount.privateKeyPem).toContain('PRIVATE KEY');
  });
});

function privateKey(pem: string | undefined) {
  if (!pem) throw new Error('missing key');
  return createPrivateKey(pem);
}

describe('reconciling a changed cluster', () => {
  const model = threeNodeModel();
  let first: Pki;
  beforeAll(() => {
    first = reconcilePki(undefined, model, options()).pki;
  });

  it('changes nothing when nothing changed', () => {
    const again = reconcilePki(first, model, options());
    expect(again.issued).toEqual([]);
    expect(again.removed).toEqual([]);
    expect(again.pki).toEqual(first);
  });

  it('gives a new worker its certificates and leaves every existing one byte for byte', () => {
    const grown = { ...model, nodes: [...model.nodes, testNode('10.250.0.14', ['worker'], { hostname: 'worker-2' })] };
    const result = reconcilePki(first, grown, options());
    expect(result.issued.sort()).toEqual(['kube-kubelet-10-250-0-14', 'kube-node-10-250-0-14']);
    for (const [name, entry] of Object.entries(first.certs)) expect(result.pki.certs[name], name).toBe(entry);
  });

  it('re-issues only the apiserver certificate, with its old key, for a new control-plane node', () => {
    const grown = { ...model, nodes: [...model.nodes, testNode('10.250.0.15', ['controlplane'], { hostname: 'cp-3' })] };
    const result = reconcilePki(first, grown, options());
    expect(result.issued.sort()).toEqual(['kube-apiserver', 'kube-kubelet-10-250-0-15', 'kube-node-10-250-0-15']);
    expect(result.pki.certs['kube-apiserver']!.keyPem).toBe(first.certs['kube-apiserver']!.keyPem);
    expect(sansOf(result.pki.certs['kube-apiserver']!.certPem)).toContain('IP Address:10.250.0.15');
  });

  it('drops the certificates of a removed node', () => {
    const shrunk = { ...model, nodes: model.nodes.slice(0, 2) };
    const result = reconcilePki(first, shrunk, options());
    expect(result.issued).toEqual([]);
    expect(result.removed.sort()).toEqual(['kube-kubelet-10-250-0-13', 'kube-node-10-250-0-13']);
  });

  it('re-issues everything under a CA that was replaced', () => {
    const { ['kube-etcd-ca']: _gone, ...rest } = first.certs;
    const result = reconcilePki({ ...first, certs: rest }, model, options());
    expect(result.issued.sort()).toEqual(
      ['kube-apiserver-etcd-client', 'kube-etcd-10-250-0-11', 'kube-etcd-10-250-0-12', 'kube-etcd-ca', 'kube-etcd-peer-10-250-0-11', 'kube-etcd-peer-10-250-0-12'].sort(),
    );
  });

  it('follows authentication.sans and the cluster domain', () => {
    const changed = testModel(model.nodes, {
      sans: ['api.example.com', '203.0.113.7'],
      network: { ...model.network, clusterDomain: 'corp.internal', serviceClusterIpRange: '10.96.0.0/12' },
    });
    const result = reconcilePki(first, changed, options());
    expect(result.issued).toEqual(['kube-apiserver']);
    const sans = sansOf(result.pki.certs['kube-apiserver']!.certPem);
    expect(sans).toEqual(expect.arrayContaining(['DNS:api.example.com', 'IP Address:203.0.113.7', 'DNS:kubernetes.default.svc.corp.internal', 'IP Address:10.96.0.1']));
    expect(sans).not.toContain('DNS:kubernetes.default.svc.cluster.local');
  });
});

describe('issuing options', () => {
  it('uses the injected serial source (made positive)', () => {
    const serial = Buffer.from('ff112233445566778899aabbccddeeff', 'hex');
    const pki = reconcilePki(undefined, testModel([testNode('10.0.0.1', ['etcd', 'controlplane', 'worker'])]), options({ randomSerial: () => serial })).pki;
    expect(new X509Certificate(pki.certs['kube-ca']!.certPem).serialNumber).toBe('7F112233445566778899AABBCCDDEEFF');
  });

  it('issues RSA 2048 when asked, with keyEncipherment on leaves', () => {
    // One RSA pair for every certificate keeps the test fast; signing still runs the RSA path.
    const pair = generateKeyPair('rsa');
    const pki = reconcilePki(undefined, testModel([testNode('10.0.0.1', ['etcd', 'controlplane', 'worker'])]), options({ keyType: 'rsa', generateKey: () => pair })).pki;
    const leaf = new X509Certificate(pki.certs['kube-apiserver']!.certPem);
    expect(leaf.publicKey.asymmetricKeyType).toBe('rsa');
    expect(leaf.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(leaf.verify(new X509Certificate(pki.certs['kube-ca']!.certPem).publicKey)).toBe(true);
    expect(keyUsages(leaf.toString()).usages).toEqual(['digitalSignature', 'keyEncipherment']);
  });
});

describe('renewal and limits', () => {
  const model = testModel([testNode('10.0.0.1', ['etcd', 'controlplane', 'worker'])]);

  it('re-issues what the reissue hook picks, keeping its key, and everything below a re-issued CA', () => {
    const first = reconcilePki(undefined, model, options()).pki;
    const later = new Date(NOW.getTime() + 340 * 86_400_000);
    const expiringSoon = (c: { certPem: string }) => new Date(new X509Certificate(c.certPem).validTo).getTime() - later.getTime() < 30 * 86_400_000;
    const renewed = reconcilePki(first, model, options({ now: () => later, reissue: expiringSoon }));
    const leaves = certSpecsFor(model).filter((s) => s.issuer).map((s) => s.name).sort();
    expect(renewed.issued.sort()).toEqual(leaves); // every leaf, no CA
    expect(renewed.pki.certs['kube-admin']!.keyPem).toBe(first.certs['kube-admin']!.keyPem);
    expect(new Date(new X509Certificate(renewed.pki.certs['kube-admin']!.certPem).validTo).getTime()).toBe(later.getTime() + 365 * 86_400_000);

    const newCa = reconcilePki(first, model, options({ reissue: (c) => c.name === 'kube-apiserver-requestheader-ca' }));
    expect(newCa.issued.sort()).toEqual(['kube-apiserver-proxy-client', 'kube-apiserver-requestheader-ca']);
  });

  it('never lets a leaf outlive its CA', () => {
    const old = reconcilePki(undefined, model, options()).pki;
    const nearCaEnd = new Date(NOW.getTime() + 3600 * 86_400_000);
    const result = reconcilePki(old, model, options({ now: () => nearCaEnd, reissue: (c) => c.name === 'kube-admin' }));
    const admin = new X509Certificate(result.pki.certs['kube-admin']!.certPem);
    expect(admin.validTo).toBe(new X509Certificate(old.certs['kube-ca']!.certPem).validTo);
  });

  it('names IPv6 nodes with dashes and puts their addresses in the SANs', () => {
    const v6 = testModel([testNode('fd00::11', ['etcd', 'controlplane', 'worker'], { hostname: 'six' })]);
    const pki = reconcilePki(undefined, v6, options()).pki;
    expect(sansOf(pki.certs['kube-etcd-fd00--11']!.certPem)).toEqual(['DNS:localhost', 'DNS:six', 'IP Address:127.0.0.1', 'IP Address:FD00:0:0:0:0:0:0:11'].sort());
  });
});

describe('key pool (parallel RSA key generation)', () => {
  it('counts exactly the keys reconcile will make and hands them out', async () => {
    const { keysNeeded, prepareKeyPool } = await import('../../../src/pki/index.js');
    const model = threeNodeModel();
    const specs = certSpecsFor(model);
    expect(keysNeeded(undefined, specs)).toBe(specs.length + 1); // + the service-account pair
    const first = reconcilePki(undefined, model, options()).pki;
    const grown = testModel([...model.nodes, testNode('10.250.0.20', ['controlplane'])]);
    expect(keysNeeded(first, certSpecsFor(grown))).toBe(2); // the new node's two; the apiserver keeps its key
    let handedOut = 0;
    const pool = await prepareKeyPool('ecdsa', 2);
    const counting = (t: 'ecdsa' | 'rsa') => (handedOut++, pool(t));
    const result = reconcilePki(first, grown, options({ generateKey: counting }));
    expect(handedOut).toBe(2);
    expect(result.issued.sort()).toEqual(['kube-apiserver', 'kube-kubelet-10-250-0-20', 'kube-node-10-250-0-20']);
    expect(pool('ecdsa').privateKeyPem).toContain('PRIVATE KEY'); // past the pool: made inline
  });
});
