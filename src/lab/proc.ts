import { readFile } from 'node:fs/promises';

/** A process as we recorded it: the start time guards against killing a reused PID. */
export interface ProcessRef {
  pid: number;
  /** Field 22 of /proc/PID/stat (clock ticks since boot). */
  startTime: number;
}

async function statFields(pid: number): Promise<string[] | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

export async function processRef(pid: number): Promise<ProcessRef | undefined> {
  const fields = await statFields(pid);
  const start = fields?.[19];
  return start === undefined ? undefined : { pid, startTime: Number(start) };
}

/** True when this exact process still exists and is not a zombie. */
export async function isRunning(ref: ProcessRef | undefined): Promise<boolean> {
  if (!ref) return false;
  const fields = await statFields(ref.pid);
  return fields !== undefined && fields[0] !== 'Z' && Number(fields[19]) === ref.startTime;
}

export async function childPids(pid: number): Promise<number[]> {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return text.split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Poll `check` every `everyMs` until it returns a value or `timeoutMs` passes. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs: number, everyMs = 20): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await sleep(everyMs);
  }
}

/** SIGKILL the recorded process (only if it is still the same one) and wait until it is gone. */
export async function killAndWait(ref: ProcessRef | undefined, timeoutMs = 10_000): Promise<boolean> {
  if (!(await isRunning(ref)) || !ref) return true;
  try {
    process.kill(ref.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  return (await waitFor(async () => ((await isRunning(ref)) ? undefined : true), timeoutMs)) === true;
}
