import type { IoHost } from '../cli/io.js';
import { createRenderer } from '../cli/render/index.js';
import { execute, type Cancellation, type EventListener, type ExecuteOptions, type ExecuteResult } from '../executor/index.js';
import type { Task } from '../executor/task.js';

export type RunGraphOptions = Omit<ExecuteOptions, 'signal' | 'forceSignal' | 'onEvent'> & { onEvent?: EventListener };

/**
 * Run a command's tasks with the renderer `--output` asks for, stopped by the caller's
 * cancellation (whose signal handlers may span more than the run, e.g. the state save after it).
 * The renderer is closed however the run ends.
 */
export async function runGraph(tasks: Task[], io: IoHost, cancellation: Cancellation, opts: RunGraphOptions): Promise<ExecuteResult> {
  const renderer = await createRenderer(io);
  const { onEvent, ...rest } = opts;
  try {
    return await execute(
      { tasks },
      { ...rest, signal: cancellation.signal, forceSignal: cancellation.forceSignal, onEvent: onEvent ? [renderer.onEvent, onEvent] : renderer.onEvent },
    );
  } finally {
    await renderer.close();
  }
}
