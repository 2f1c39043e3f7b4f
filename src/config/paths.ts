import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';

/** Paths in cluster.yml: `~` is the user's home; relative paths are relative to cluster.yml's folder. */
export function resolveConfigPath(path: string, configDir: string, home: string = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return resolve(home, path.slice(2));
  return isAbsolute(path) ? path : resolve(configDir, path);
}
