import { createHash } from 'node:crypto';
import type { ClusterModel } from '../model/cluster.js';
import type { ContainerSpec } from './container-spec.js';
import { controlPlaneNodes, kubeSpec, KubeContainer, KubePort } from './kube-common.js';

/**
 * On nodes without a control plane, components reach "https://127.0.0.1:6443" through a TCP
 * balancer over every apiserver (RKE's nginx-proxy). Its config is a file drover writes; when the
 * control-plane set changes the file and the container's inputs label change, so it restarts.
 */
export const NGINX_PROXY_DIR = '/etc/kubernetes/nginx-proxy';
export const NGINX_PROXY_CONF = `${NGINX_PROXY_DIR}/nginx.conf`;

export function nginxProxyConfig(model: ClusterModel): string {
  const servers = controlPlaneNodes(model).map((n) => {
    const host = n.internalAddress.includes(':') ? `[${n.internalAddress}]` : n.internalAddress;
    return `    server ${host}:${KubePort.apiServer} max_fails=1 fail_timeout=5s;`;
  });
  return [
    'include /etc/nginx/modules-enabled/*.conf;',
    'user root;',
    'worker_processes 1;',
    'error_log stderr notice;',
    'pid /run/nginx-proxy.pid;',
    'events { worker_connections 1024; }',
    'stream {',
    '  upstream kube_apiserver {',
    ...servers,
    '  }',
    '  server {',
    `    listen 127.0.0.1:${KubePort.apiServer};`,
    '    proxy_pass kube_apiserver;',
    '    proxy_connect_timeout 2s;',
    '    proxy_timeout 30m;',
    '  }',
    '}',
    '',
  ].join('\n');
}

export function nginxProxySpec(model: ClusterModel, image: string): ContainerSpec {
  const conf = nginxProxyConfig(model);
  return kubeSpec({
    name: KubeContainer.nginxProxy,
    image,
    binary: 'nginx',
    flags: {},
    rawArgs: ['-c', '/etc/nginx-proxy/nginx.conf', '-g', 'daemon off;'],
    binds: [`${NGINX_PROXY_DIR}:/etc/nginx-proxy:ro,z`],
    service: { extraArgs: {}, extraBinds: [], extraEnv: [] },
    inputsHash: createHash('sha256').update(conf).digest('hex').slice(0, 16),
  });
}
