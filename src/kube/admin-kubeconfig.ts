import { chmod } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import type { ClusterModel } from '../model/cluster.js';
import { adminKubeconfig, adminKubeconfigPath } from '../pki/kubeconfig.js';
import type { Pki } from '../pki/reconcile.js';

/**
 * Writes kube_config_<cluster file> beside cluster.yml (0600, atomically: a reader never sees half
 * a file) and returns its path. `drover up` calls this at the end of a successful run;
 * `drover util get-kubeconfig` rebuilds it from the state.
 */
export async function writeAdminKubeconfig(model: ClusterModel, pki: Pki): Promise<string> {
  const path = adminKubeconfigPath(model.configPath);
  await writeFileAtomic(path, adminKubeconfig(model, pki), { mode: 0o600 });
  await chmod(path, 0o600); // write-file-atomic keeps an existing file's mode otherwise
  return path;
}
