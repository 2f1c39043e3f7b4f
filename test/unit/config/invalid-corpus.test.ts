import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfigFile } from '../../../src/config/index.js';
import { formatProblem, sortProblems } from '../../../src/config/problems.js';

/**
 * Every file in test/fixtures/config/invalid is a real mistake; its .expected file holds the exact
 * messages with positions that `drover config validate` must print. UPDATE_FIXTURES=1 rewrites
 * them — review the diff before committing.
 */
const dir = join(import.meta.dirname, '../../fixtures/config/invalid');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.yml')).sort();
const env = { HOME: '/nonexistent-home' };

function render(file: string): string {
  const result = validateConfigFile(join(dir, file), env, 'validate', file);
  return sortProblems(result.problems).map(formatProblem).join('\n') + '\n';
}

describe('invalid cluster.yml corpus', () => {
  it('has at least 40 files', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(40);
  });

  it.each(fixtures)('%s', (file) => {
    const expectedPath = join(dir, file.replace(/\.yml$/, '.expected'));
    const actual = render(file);
    if (process.env['UPDATE_FIXTURES'] || !existsSync(expectedPath)) writeFileSync(expectedPath, actual);
    const result = validateConfigFile(join(dir, file), env, 'validate', file);
    expect(result.problems.some((p) => p.severity === 'error'), 'an invalid file must have an error').toBe(true);
    expect(result.config).toBeUndefined();
    expect(actual).toBe(readFileSync(expectedPath, 'utf8'));
  });

  it('reports all five mistakes of a file at once, each with its position', () => {
    const result = validateConfigFile(join(dir, 'five-mistakes.yml'), env, 'validate', 'five-mistakes.yml');
    const errors = result.problems.filter((p) => p.severity === 'error');
    expect(errors.map((p) => `${p.line}:${p.col} ${p.path}`).sort()).toEqual([
      '12:25 services.kubelet.cluster_dns_server',
      '14:25 services.kube-api.always_pull_images',
      '15:1 netwrok',
      '5:32 nodes[0].role[2]',
      '8:11 nodes[1].port',
    ]);
  });
});
