import type { ExecutorEvent, TaskPlannedEvent, TaskSkippedEvent } from '../../executor/events.js';
import { NO_HOST } from '../../executor/task.js';
import type { IoHost } from '../io.js';
import { describeError, planLines, seconds, summaryLines } from './format.js';
import type { Renderer } from './renderer.js';

/**
 * One line per event, for CI logs and pipes: no colour, no cursor movement, each line starts
 * with the time since the run began and the host, so `grep 10.0.0.5` follows one node.
 * --quiet keeps warnings, failures and the summary.
 */
export function plainRenderer(io: IoHost): Renderer {
  const planned: (TaskPlannedEvent | TaskSkippedEvent)[] = [];
  let dryRun = false;
  const out = (t: number, text: string): void => io.stdout.write(`+${seconds(t)} ${text}\n`);
  const onEvent = (e: ExecutorEvent): void => {
    const host = 'host' in e && e.host !== undefined ? e.host : NO_HOST;
    switch (e.type) {
      case 'run-start':
        dryRun = e.dryRun;
        if (!io.quiet) {
          const mode = [e.dryRun ? 'dry run' : '', e.resume ? 'resume' : ''].filter(Boolean).join(', ');
          out(e.t, `run ${e.runId}: ${e.tasks} tasks on ${e.hosts.length} host(s), concurrency ${e.concurrency}, ${e.perHostConcurrency} per host${mode ? ` (${mode})` : ''}`);
        }
        return;
      case 'task-start':
        if (!io.quiet) out(e.t, `${host} start ${e.id}: ${e.title}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`);
        return;
      case 'task-done':
        if (!io.quiet) out(e.t, `${host} done ${e.id} (${e.ms} ms${e.attempts > 1 ? `, ${e.attempts} attempts` : ''})`);
        return;
      case 'task-skipped':
        if (dryRun) planned.push(e);
        if (!io.quiet) out(e.t, `${host} skip ${e.id} (done in an earlier run)`);
        return;
      case 'task-planned':
        planned.push(e);
        return;
      case 'task-retry':
        if (!io.quiet) out(e.t, `${host} retry ${e.id}: attempt ${e.attempt} failed (${describeError(e.error)}); next try in ${e.delayMs} ms`);
        return;
      case 'task-failed':
        out(e.t, `${host} FAILED ${e.id} after ${e.attempts} attempt(s): ${describeError(e.error)}`);
        return;
      case 'log':
        if (e.level === 'debug' && !io.debug) return;
        if (e.level === 'info' && io.quiet) return;
        out(e.t, `${e.id ? `${host} ${e.id} ` : ''}${e.level}: ${e.message}`);
        return;
      case 'run-done':
        if (planned.length > 0) for (const l of planLines(planned)) io.stdout.write(`${l}\n`);
        out(e.t, summaryLines(e).join('\n    '));
        return;
    }
  };
  return { onEvent, close: () => Promise.resolve() };
}
