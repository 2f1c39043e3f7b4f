import { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import { loadClusterModel } from '../config/index.js';
import { DroverError } from '../errors.js';
import { writeAdminKubeconfig } from '../kube/admin-kubeconfig.js';
import { CertName } from '../pki/names.js';
import { resolveStateKey, StateStore, statePathFor } from '../state/index.js';

/**
 * `drover util get-kubeconfig`: rebuild kube_config_<cluster file> from the local state — the
 * CA and admin identity drover keeps there — without touching the cluster. The nodes and
 * addresses are those of the last successful run (what is deployed), else cluster.yml's.
 */
export async function utilGetKubeconfig(opts: { config: string }, io: IoHost): Promise<ExitCode> {
  const { model } = await loadClusterModel(opts.config, io.env, { purpose: 'validate' });
  const store = new StateStore(statePathFor(model.configPath), await resolveStateKey(io.env, io.cwd));
  const state = await store.load();
  if (!state?.pki?.certs[CertName.admin] || !state.pki.certs[CertName.kubeCa]) {
    throw new DroverError(`${store.path} holds no cluster certificates, so there is no admin kubeconfig to rebuild`, {
      hint: state ? 'run `drover up` first' : 'run `drover util get-state` to fetch the state from the nodes, or `drover up`',
    });
  }
  const deployed = state.appliedConfig ? { ...state.appliedConfig, configPath: model.configPath } : model;
  const path = await writeAdminKubeconfig(deployed, state.pki);
  io.stdout.write(io.output === 'json' ? JSON.stringify({ type: 'get-kubeconfig', path }) + '\n' : `admin kubeconfig written to ${path}\n`);
  return ExitCode.Ok;
}
