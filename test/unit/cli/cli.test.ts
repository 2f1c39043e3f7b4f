import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The real CLI (bin/drover → dist, built by the global setup): output and exit codes. */
const root = join(import.meta.dirname, '../../..');
const fixtures = join(root, 'test/fixtures/config/invalid');

function drover(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [join(root, 'bin/drover'), ...args], { encoding: 'utf8', input, env: { ...process.env, CI: 'true' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('drover CLI', () => {
  it('prints its version', () => {
    const r = drover(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('`config validate` prints every problem with file:line:col and exits 2', () => {
    const r = drover(['config', 'validate', '--config', join(fixtures, 'five-mistakes.yml')]);
    expect(r.code).toBe(2);
    const errors = r.stderr.split('\n').filter((l) => / error: /.test(l));
    expect(errors).toHaveLength(5);
    for (const line of errors) expect(line).toMatch(/five-mistakes\.yml:\d+:\d+: error: /);
    expect(r.stderr).toContain('invalid (5 errors, 0 warnings)');
  });

  it('`config validate --output json` gives the problems as JSON', () => {
    const r = drover(['config', 'validate', '--output', 'json', '--config', join(fixtures, 'five-mistakes.yml')]);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout) as { valid: boolean; problems: { line: number; col: number; path: string }[] };
    expect(out.valid).toBe(false);
    expect(out.problems.map((p) => `${p.line}:${p.col}`)).toEqual(['5:32', '8:11', '12:25', '14:25', '15:1']);
  });

  it('`config --print` writes an example that validates', () => {
    const printed = drover(['config', '--print']);
    expect(printed.code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'drover-cli-'));
    writeFileSync(join(dir, 'cluster.yml'), printed.stdout);
    const r = drover(['config', 'validate', '--config', join(dir, 'cluster.yml')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('`config schema` prints a JSON Schema describing cluster.yml', () => {
    const r = drover(['config', 'schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as { properties: Record<string, unknown>; additionalProperties: boolean };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['nodes', 'services', 'network', 'ssh_known_hosts']));
    expect(schema.additionalProperties).toBe(false);
  });

  it('a missing config file is exit 2 with a hint, not a stack trace', () => {
    const r = drover(['config', 'validate', '--config', '/nonexistent/cluster.yml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('file not found');
    expect(r.stderr).toContain('drover config --print');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unknown command is a usage error, exit 2', () => {
    const r = drover(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });

  it('a bad option of a subcommand is a usage error, exit 2', () => {
    const r = drover(['cert', 'generate', '--config', join(root, 'cluster.example.yml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '--out <dir>' not specified");
  });

  it('`version --output json` is one JSON line', () => {
    const r = drover(['version', '--output', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ type: 'version', defaultKubernetesVersion: 'v1.20.2' });
  });
});
