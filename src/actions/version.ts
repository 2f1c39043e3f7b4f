import { readFileSync } from 'node:fs';
import { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';

export async function version(_opts: unknown, io: IoHost): Promise<ExitCode> {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const { DEFAULT_KUBERNETES_VERSION, SUPPORTED_KUBERNETES_VERSIONS } = await import('../model/versions.js');
  const info = {
    drover: pkg.version,
    node: process.version,
    defaultKubernetesVersion: DEFAULT_KUBERNETES_VERSION,
    kubernetesVersions: SUPPORTED_KUBERNETES_VERSIONS,
  };
  if (io.output === 'json') io.stdout.write(JSON.stringify({ type: 'version', ...info }) + '\n');
  else {
    io.stdout.write(`drover ${info.drover} (node ${info.node})\n`);
    io.stdout.write(`default Kubernetes: ${info.defaultKubernetesVersion}\n`);
    io.stdout.write(`deployable Kubernetes: ${info.kubernetesVersions.join(', ')}\n`);
  }
  return ExitCode.Ok;
}
