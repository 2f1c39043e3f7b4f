import { execa } from 'execa';

/** Shared libraries a binary loads, so an image can carry them next to it. */

/** Absolute paths in `ldd` output (`libc.so.6 => /lib/…/libc.so.6 (0x…)`, `/lib64/ld-linux….so.2 (0x…)`). */
export function parseLddOutput(output: string): string[] {
  const paths = new Set<string>();
  for (const line of output.split('\n')) {
    const arrow = /=>\s+(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    const direct = /^\s*(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (line.includes('not found')) throw new Error(`missing shared library: ${line.trim()}`);
    const path = arrow?.[1] ?? direct?.[1];
    if (path) paths.add(path);
  }
  return [...paths].sort();
}

/** Empty for a static binary (ldd then exits non-zero with "not a dynamic executable"). */
export async function sharedLibraries(binary: string): Promise<string[]> {
  const r = await execa('ldd', [binary], { reject: false });
  if (r.exitCode !== 0) return [];
  return parseLddOutput(r.stdout);
}
