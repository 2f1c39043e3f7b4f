import type { CheckResult, CheckStatus } from './preflight.js';

/** `drover check` results as text: one block per node, then the cluster-wide checks. */
export function formatPreflightTable(results: CheckResult[], opts: { tty: boolean; roles?: Record<string, string[]> }): string {
  const mark = (s: CheckStatus): string =>
    opts.tty ? { ok: '\u001b[32m✓\u001b[0m', warn: '\u001b[33m!\u001b[0m', fail: '\u001b[31m✗\u001b[0m' }[s] : { ok: 'ok  ', warn: 'warn', fail: 'FAIL' }[s];
  const groups = new Map<string, CheckResult[]>();
  for (const r of results) groups.set(r.node, [...(groups.get(r.node) ?? []), r]);
  const width = Math.max(...results.map((r) => r.check.length), 5);
  const lines: string[] = [];
  for (const [node, rs] of groups) {
    const roles = opts.roles?.[node];
    lines.push(node === 'cluster' ? 'cluster' : `node ${node}${roles ? ` (${roles.join(', ')})` : ''}`);
    for (const r of rs) {
      lines.push(`  ${mark(r.status)} ${r.check.padEnd(width)}  ${r.detail}`);
      if (r.hint && r.status !== 'ok') lines.push(`  ${' '.repeat(opts.tty ? 1 : 4)} ${' '.repeat(width)}  hint: ${r.hint}`);
    }
    lines.push('');
  }
  const count = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  const failed = count('fail');
  lines.push(failed > 0 ? `${failed} check(s) failed, ${count('warn')} warning(s)` : `all checks passed${count('warn') ? `, ${count('warn')} warning(s)` : ''}`);
  return lines.join('\n') + '\n';
}
