import { DefaultRenderer, Listr, ListrLogger, ProcessOutput, SimpleRenderer, createWritable, type ListrTask, type ListrTaskWrapper } from 'listr2';
import type { ExecutorEvent, RunStartEvent, TaskPlannedEvent, TaskSkippedEvent } from '../../executor/events.js';
import { NO_HOST } from '../../executor/task.js';
import type { IoHost } from '../io.js';
import { describeError, planLines, summaryLines } from './format.js';
import type { Renderer } from './renderer.js';
import { fitsPerHost, overviewLines, type HostProgress } from './tty-overview.js';

/**
 * Live view on a terminal: one listr2 line per host with its progress, and under it what
 * runs there now. listr2 only draws; each host's "task" is a promise this renderer settles
 * from executor events. With more hosts than the terminal has lines for, one overview task
 * shows the failed and busy hosts and counts the rest (tty-overview.ts). Notices without a
 * host, the plan and the summary are printed after the live view ends, so they are not overdrawn.
 */
type Wrapper = ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof SimpleRenderer>;
interface HostGroup extends HostProgress {
  wrapper: Wrapper | undefined;
  settle: (error?: Error) => void;
}
interface Overview {
  wrapper: Wrapper | undefined;
  settle: (error?: Error) => void;
  total: number;
}

export function ttyRenderer(io: IoHost, opts: { renderer?: 'default' | 'simple' } = {}): Renderer {
  const groups = new Map<string, HostGroup>();
  const afterwards: string[] = [];
  const planned: (TaskPlannedEvent | TaskSkippedEvent)[] = [];
  let dryRun = false;
  let live: Promise<unknown> = Promise.resolve();
  let overview: Overview | undefined;

  const refreshOverview = (o: Overview): void => {
    if (!o.wrapper) return;
    const all = [...groups.values()];
    const finished = all.reduce((n, g) => n + g.finished, 0);
    const failed = all.reduce((n, g) => n + g.failed.length, 0);
    o.wrapper.title = `${all.length} hosts  ${finished}/${o.total}${failed > 0 ? `, ${failed} failed` : ''}`;
    o.wrapper.output = overviewLines(all, (io.stdout.rows ?? 24) - 4).join('\n');
  };
  const refresh = (g: HostGroup): void => {
    if (overview) return refreshOverview(overview);
    if (!g.wrapper) return;
    const failed = g.failed.length > 0 ? `, ${g.failed.length} failed` : '';
    g.wrapper.title = `${g.host}  ${g.finished}/${g.total}${failed}`;
    g.wrapper.output = [...[...g.running.values()].map((t) => `▸ ${t}`), ...g.notes.slice(-3)].join('\n');
  };
  const finishOne = (g: HostGroup): void => {
    g.finished++;
    if (g.finished >= g.total) g.settle(g.failed.length > 0 ? new Error(g.failed.join('; ')) : undefined);
    refresh(g);
  };

  type Task = ListrTask<unknown, typeof DefaultRenderer, typeof SimpleRenderer>;
  // The output is rewritten whole on every change: keep only the latest write.
  const rendererOptions = { outputBar: 1, persistentOutput: false };
  /** A listr2 task that only draws `view` (with `draw`) and ends when the view is settled. */
  const liveTask = (title: string, view: { wrapper: Wrapper | undefined; settle: (error?: Error) => void }, draw: () => void): Task => {
    let settle: (error?: Error) => void = () => undefined;
    const settled = new Promise<void>((resolve, reject) => {
      settle = (error) => (error ? reject(error) : resolve());
    });
    view.settle = settle;
    return {
      title,
      task: (_ctx: unknown, wrapper: Wrapper) => {
        view.wrapper = wrapper;
        draw();
        return settled;
      },
      rendererOptions,
    };
  };
  const hostTask = (g: HostGroup): Task => liveTask(`${g.host}  0/${g.total}`, g, () => refresh(g));
  const overviewTask = (total: number): Task => {
    const o: Overview = { wrapper: undefined, settle: () => undefined, total };
    overview = o;
    return liveTask(`${groups.size} hosts  0/${total}`, o, () => refreshOverview(o));
  };

  const start = (e: RunStartEvent): void => {
    dryRun = e.dryRun;
    const output = createWritable((chunk) => io.stdout.write(chunk)) as unknown as NodeJS.WriteStream;
    const logger = new ListrLogger({ processOutput: new ProcessOutput(output, output) });
    for (const { host, tasks } of e.hosts) {
      groups.set(host, { host, total: tasks, finished: 0, failed: [], running: new Map(), notes: [], wrapper: undefined, settle: () => undefined });
    }
    const hostTasks = fitsPerHost(e.hosts.length, io.stdout.rows) ? [...groups.values()].map(hostTask) : [overviewTask(e.tasks)];
    const listr = new Listr(
      hostTasks,
      {
        concurrent: true,
        exitOnError: false,
        registerSignalListeners: false,
        renderer: DefaultRenderer,
        rendererOptions: { logger, collapseErrors: false },
        // listr2 would look at process.stdout; the IoHost decides (tests pass a non-TTY sink).
        fallbackRenderer: SimpleRenderer,
        fallbackRendererOptions: { logger },
        fallbackRendererCondition: opts.renderer === 'simple' || !io.stdout.isTTY,
      },
    );
    live = listr.run().catch(() => undefined);
  };

  const onEvent = (e: ExecutorEvent): void => {
    const g = 'host' in e || 'id' in e ? groups.get(('host' in e && e.host) || NO_HOST) : undefined;
    switch (e.type) {
      case 'run-start':
        return start(e);
      case 'task-start':
        g?.running.set(e.id, e.title);
        return g && refresh(g);
      case 'task-done':
      case 'task-planned':
        if (e.type === 'task-planned') planned.push(e);
        g?.running.delete(e.id);
        return g && finishOne(g);
      case 'task-skipped':
        if (dryRun) planned.push(e);
        return g && finishOne(g);
      case 'task-retry':
        g?.notes.push(`↻ ${e.title}: ${describeError(e.error)} (retry in ${e.delayMs} ms)`);
        return g && refresh(g);
      case 'task-failed':
        g?.running.delete(e.id);
        g?.failed.push(`${e.id}: ${describeError(e.error)}`);
        return g && finishOne(g);
      case 'log':
        if (e.level === 'debug' && !io.debug) return;
        if (g && e.id) {
          g.notes.push(`${e.level === 'warn' ? '⚠ ' : ''}${e.message}`);
          return refresh(g);
        }
        if (e.level === 'warn' || !io.quiet) afterwards.push(`${e.level}: ${e.message}`);
        return;
      case 'run-done':
        for (const group of groups.values()) {
          const unfinished = group.total - group.finished;
          if (unfinished > 0 && group.wrapper) group.wrapper.title = `${group.host}  ${group.finished}/${group.total}, ${unfinished} not run`;
          group.settle(group.failed.length > 0 ? new Error(group.failed.join('; ')) : undefined);
        }
        if (overview) {
          const failures = [...groups.values()].flatMap((group) => group.failed);
          refreshOverview(overview);
          overview.settle(failures.length > 0 ? new Error(failures.join('; ')) : undefined);
        }
        if (planned.length > 0) afterwards.push(...planLines(planned));
        afterwards.push(...summaryLines(e));
        return;
    }
  };

  return {
    onEvent,
    close: async () => {
      // Without run-done (the run threw), listr2 would spin forever on unsettled hosts.
      for (const group of groups.values()) group.settle();
      overview?.settle();
      await live;
      for (const line of afterwards) io.stdout.write(`${line}\n`);
    },
  };
}
