import type { RunDoneEvent, TaskPlannedEvent, TaskSkippedEvent, ErrorInfo } from '../../executor/events.js';
import { NO_HOST, type TaskChange } from '../../executor/task.js';

/** Text shared by the plain and tty renderers: summaries and plans, no colour, no I/O. */

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}

export function describeError(e: ErrorInfo): string {
  return e.code && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : e.message;
}

export function summaryLines(e: RunDoneEvent): string[] {
  const t = e.totals;
  const counts = [
    `${t.done} done`,
    `${t.skipped} skipped`,
    ...(t.planned > 0 ? [`${t.planned} planned`] : []),
    `${t.failed} failed`,
    `${t.notRun} not run`,
    ...(t.abandoned > 0 ? [`${t.abandoned} abandoned`] : []),
    `${t.retries} retries`,
  ];
  const lines = [`run ${e.status} in ${seconds(e.ms)}: ${counts.join(', ')} (of ${t.tasks})`];
  if (e.criticalPath.ms > 0) {
    lines.push(`critical path ${e.criticalPath.ms} ms: ${e.criticalPath.ids.join(' → ')}`);
  }
  for (const f of e.failed) {
    lines.push(`failed: ${f.id} on ${f.host ?? NO_HOST}: ${describeError(f.error)}`);
  }
  if (e.status === 'failed') lines.push('hint: fix the cause above, then run the same command with --resume to continue where it stopped');
  if (e.status === 'interrupted') lines.push('hint: run the same command with --resume to continue where it stopped');
  return lines;
}

const SYMBOL: Record<TaskChange['action'], string> = {
  create: '+',
  replace: '±',
  update: '~',
  delete: '-',
  run: '>',
  none: '=',
};

/** The dry-run plan, grouped per host in first-seen order, with indented diffs. */
export function planLines(items: (TaskPlannedEvent | TaskSkippedEvent)[]): string[] {
  const byHost = new Map<string, (TaskPlannedEvent | TaskSkippedEvent)[]>();
  for (const item of items) {
    const key = item.host ?? NO_HOST;
    const list = byHost.get(key);
    if (list) list.push(item);
    else byHost.set(key, [item]);
  }
  const planned = items.filter((i) => i.type === 'task-planned');
  const changing = planned.filter((i) => i.changes.some((c) => c.action !== 'none')).length;
  const lines = [`plan: ${changing} task(s) would change something, ${planned.length - changing} unchanged, ${items.length - planned.length} done earlier`];
  for (const [host, list] of byHost) {
    lines.push(`${host}:`);
    for (const item of list) {
      if (item.type === 'task-skipped') {
        lines.push(`  ✓ ${item.id} (done in an earlier run)`);
        continue;
      }
      const changes = item.changes.filter((c) => c.action !== 'none');
      if (changes.length === 0) {
        lines.push(`  = ${item.id} (no change)`);
        continue;
      }
      lines.push(`  ${item.id}: ${item.title}`);
      for (const c of changes) {
        lines.push(`    ${SYMBOL[c.action]} ${c.action} ${c.subject}`);
        for (const d of c.diff?.split('\n') ?? []) lines.push(`        ${d}`);
      }
    }
  }
  return lines;
}
