import { readFile } from 'node:fs/promises';
import { ExitCode } from '../cli/exit-codes.js';
import { DroverError } from '../errors.js';
import type { ClusterModel } from '../model/cluster.js';

/**
 * Reads every `addons_include` file (paths are already resolved against cluster.yml's folder).
 * URLs are refused: drover does not fetch manifests from the network.
 */
export async function readAddonIncludes(model: ClusterModel): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of model.addons.include) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
      throw new DroverError(`addons_include ${path}: URLs are not supported (drover works offline)`, {
        exitCode: ExitCode.InvalidInput,
        hint: 'download the manifest and list the file instead',
      });
    }
    try {
      out[path] = await readFile(path, 'utf8');
    } catch (err) {
      throw new DroverError(`addons_include ${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
        exitCode: ExitCode.InvalidInput,
        hint: 'paths are relative to the folder of cluster.yml',
      });
    }
  }
  return out;
}
