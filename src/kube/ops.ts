import type { Duplex } from 'node:stream';
import { CertName } from '../pki/names.js';
import type { Pki } from '../pki/reconcile.js';
import type { KubeNode, KubeOps } from '../plan/kube-ops.js';
import { applyObjects } from './apply.js';
import { deleteObjects } from './delete.js';
import { createKubeClient, type KubeClient } from './client.js';
import { Discovery } from './discovery.js';
import { cordon, cordonAndDrain, deleteNode } from './drain.js';
import { waitNodesReady, waitRollout } from './wait.js';

/** KubeOps over one client; discovery is cached for the client's life (one `drover up`). */
export function createKubeOps(client: KubeClient): KubeOps {
  const discovery = new Discovery(client);
  return {
    apply: (objects, opts) => applyObjects(client, discovery, objects, opts),
    delete: (objects, opts) => deleteObjects(client, discovery, objects, opts),
    waitRollout: (kind, namespace, name, opts) => waitRollout(client, { kind, namespace, name }, opts),
    waitNodesReady: (names, opts) => waitNodesReady(client, names, opts),
    cordonAndDrain: async (node, opts) => {
      await cordonAndDrain(client, node, opts);
    },
    uncordon: (node) => cordon(client, node, false),
    deleteNode: (node) => deleteNode(client, node),
    getNode: (name) => client.getOptional<KubeNode>(`/api/v1/nodes/${encodeURIComponent(name)}`, { what: `read node ${name}` }),
    patchNode: async (name, patch) => {
      await client.request('PATCH', `/api/v1/nodes/${encodeURIComponent(name)}`, { what: `update node ${name}`, body: patch, contentType: 'application/merge-patch+json' });
    },
  };
}

/** The admin's TLS material: kube-ca to verify an apiserver, the kube-admin certificate to present. */
export interface AdminTls {
  ca: string;
  cert: string;
  key: string;
}

export function adminTls(pki: Pki): AdminTls {
  const ca = pki.certs[CertName.kubeCa];
  const admin = pki.certs[CertName.admin];
  if (!ca || !admin?.keyPem) throw new Error('the PKI has no kube-ca or kube-admin certificate');
  return { ca: ca.certPem, cert: admin.certPem, key: admin.keyPem };
}

/**
 * The admin's view of the API over TLS sockets the caller opens with the admin's material (in
 * `drover up`: TLS over an SSH-forwarded channel to a control-plane node's 127.0.0.1:6443).
 * Nothing connects until the first call, so the ops can be created at plan time, before the
 * apiserver runs.
 */
export function adminKubeOps(openTls: (tls: AdminTls) => Promise<Duplex>, pki: Pki): KubeOps & { close(): void } {
  const tls = adminTls(pki);
  const client = createKubeClient({ openSocket: () => openTls(tls) });
  return { ...createKubeOps(client), close: () => client.close() };
}
