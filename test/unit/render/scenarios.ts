import { MemoryJournal, TransientError, execute, type ExecuteOptions, type ExecutorEvent } from '../../../src/executor/index.js';
import type { IoHost, OutputMode } from '../../../src/cli/io.js';
import { FakeWorld, fakeTask } from '../../fakes/fake-tasks.js';
import { VirtualClock } from '../../fakes/virtual-clock.js';

/** An IoHost that keeps what was written (test double for the CLI's process streams). */
export function captureIo(output: OutputMode, opts: { quiet?: boolean; debug?: boolean } = {}): IoHost & { out: () => string } {
  let text = '';
  return {
    stdout: { write: (s: string) => void (text += s), isTTY: false },
    stderr: { write: () => undefined, isTTY: false },
    env: {},
    cwd: '/',
    output,
    quiet: opts.quiet ?? false,
    debug: opts.debug ?? false,
    out: () => text,
  };
}

/**
 * Deterministic runs (virtual clock, fixed run id, no jitter) covering every event type:
 * a retry, a permanent failure with tasks left unrun, a log line carrying a secret, a resume
 * with skipped tasks, and a dry run with diffs.
 */
export async function runScenario(name: 'failing' | 'resume' | 'dry-run', onEvent: (e: ExecutorEvent) => void): Promise<void> {
  const clock = new VirtualClock();
  const world = new FakeWorld(clock);
  const tasks = () => [
    fakeTask(world, { id: 'pki/generate', ms: 20 }),
    fakeTask(world, { id: 'etcd/start@n1', host: 'n1', deps: ['pki/generate'], ms: 30, failWith: [new TransientError('docker: 503 Service Unavailable')] }),
    fakeTask(world, { id: 'registry/login@n2', host: 'n2', deps: ['pki/generate'], ms: 10, log: 'docker login -p s3cr3t-pw registry.local' }),
    fakeTask(world, {
      id: 'kubelet/start@n2',
      host: 'n2',
      deps: ['registry/login@n2'],
      ms: 5,
      ...(name === 'failing' ? { alwaysFail: Object.assign(new Error('no such image: kubelet:v1.31 (auth s3cr3t-pw)'), { code: 'ENOIMAGE' }) } : {}),
      changes: [{ action: 'replace', subject: 'container kubelet', diff: '-image: kubelet:v1.30\n+image: kubelet:v1.31' }],
    }),
    fakeTask(world, { id: 'kube-proxy/start@n1', host: 'n1', deps: ['etcd/start@n1'], ms: 15, changes: [] }),
  ];
  const base: ExecuteOptions = { clock, runId: 'run-1', random: () => 0.5, retry: { baseDelayMs: 100 }, secrets: ['s3cr3t-pw'], identity: 'cluster.yml', onEvent };
  if (name === 'failing') {
    await clock.run(execute({ tasks: tasks() }, base));
  } else {
    const journal = new MemoryJournal();
    await clock.run(execute({ tasks: tasks().slice(0, 3) }, { ...base, journal, onEvent: () => undefined }));
    await clock.run(execute({ tasks: tasks() }, { ...base, journal, resume: true, dryRun: name === 'dry-run' }));
  }
}
