import type { ClusterModel, ClusterNode, SshEndpoint } from '../model/cluster.js';
import type { Docker } from './docker.js';
import { SshDocker } from './docker-over-ssh.js';
import { SshHost } from './ssh-host.js';
import { SshPool, type SshPoolOptions } from './ssh-pool.js';

/** Everything a run needs to reach its nodes: one pool, one Host and one Docker per node. */
export interface NodeTransport {
  readonly pool: SshPool;
  host(node: SshEndpoint): SshHost;
  docker(node: ClusterNode): Docker;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function openTransport(
  model: Pick<ClusterModel, 'bastion' | 'knownHostsPath' | 'configPath'>,
  env: Readonly<Record<string, string | undefined>>,
  tuning: Partial<SshPoolOptions> = {},
): Promise<NodeTransport> {
  const pool = await SshPool.open({ ...tuning, knownHostsPath: model.knownHostsPath, configPath: model.configPath, env, bastion: model.bastion });
  const hosts = new Map<string, SshHost>();
  const dockers = new Map<string, SshDocker>();
  const hostFor = (node: SshEndpoint): SshHost => {
    const key = `${node.address}:${node.port}`;
    let h = hosts.get(key);
    if (!h) hosts.set(key, (h = new SshHost(pool, node, env)));
    return h;
  };
  const close = () => pool.close();
  return {
    pool,
    host: hostFor,
    docker(node: ClusterNode): Docker {
      const key = `${node.address}:${node.port}`;
      let d = dockers.get(key);
      if (!d) dockers.set(key, (d = new SshDocker(pool, hostFor(node), node.dockerSocket)));
      return d;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
