import type { ClusterConfig } from '../../../src/config/schema.js';
import { buildModel } from '../../../src/model/build.js';
import type { ClusterModel } from '../../../src/model/cluster.js';

/** A model as the config layer builds it from a small cluster.yml (RKE defaults for the rest). */
export function addonModel(config: Record<string, unknown> = {}): ClusterModel {
  return buildModel(
    {
      nodes: [
        { address: '10.250.0.11', user: 'root', role: ['controlplane', 'etcd', 'worker'], hostname_override: 'cp-1' },
        { address: '10.250.0.12', user: 'root', role: ['worker'] },
      ],
      ...config,
    } as unknown as ClusterConfig,
    '/work/cluster.yml',
    '/root',
  );
}
