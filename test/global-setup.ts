import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Tests that run the real CLI (bin/drover → dist/) need a fresh build; compile once per test
 * run rather than in every file.
 */
export default function setup(): void {
  const root = join(import.meta.dirname, '..');
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
