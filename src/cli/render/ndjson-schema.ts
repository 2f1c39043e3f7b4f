import { z } from 'zod';

/**
 * The schema of `--output json` lines (one executor event per line), as documented in
 * docs/events.md (the JSON Schema there is generated from this and checked by a test).
 * Objects are strict: a new field must be added here and in the docs, on purpose.
 */
const host = z.string().optional();
const taskRef = { id: z.string(), host, title: z.string() };
const t = z.number().int().nonnegative();
const errorInfo = z.strictObject({ message: z.string(), code: z.string().optional(), transient: z.boolean() });
const change = z.strictObject({
  action: z.enum(['create', 'replace', 'update', 'delete', 'run', 'none']),
  subject: z.string(),
  diff: z.string().optional(),
});

export const ndjsonEventSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('run-start'),
    t,
    runId: z.string(),
    tasks: z.number().int(),
    hosts: z.array(z.strictObject({ host: z.string(), tasks: z.number().int() })),
    concurrency: z.number().int(),
    perHostConcurrency: z.number().int(),
    resume: z.boolean(),
    dryRun: z.boolean(),
  }),
  z.strictObject({ type: z.literal('task-start'), t, ...taskRef, attempt: z.number().int().min(1) }),
  z.strictObject({ type: z.literal('task-done'), t, ...taskRef, ms: z.number().int(), attempts: z.number().int().min(1) }),
  z.strictObject({ type: z.literal('task-skipped'), t, ...taskRef, reason: z.literal('journal') }),
  z.strictObject({ type: z.literal('task-planned'), t, ...taskRef, changes: z.array(change) }),
  z.strictObject({
    type: z.literal('task-retry'),
    t,
    ...taskRef,
    attempt: z.number().int().min(1),
    delayMs: z.number().int().nonnegative(),
    error: errorInfo,
  }),
  z.strictObject({ type: z.literal('task-failed'), t, ...taskRef, ms: z.number().int(), attempts: z.number().int().min(1), error: errorInfo }),
  z.strictObject({
    type: z.literal('log'),
    t,
    level: z.enum(['debug', 'info', 'warn']),
    message: z.string(),
    id: z.string().optional(),
    host,
  }),
  z.strictObject({
    type: z.literal('run-done'),
    t,
    runId: z.string(),
    status: z.enum(['ok', 'failed', 'interrupted']),
    exitCode: z.number().int(),
    ms: z.number().int(),
    totals: z.strictObject({
      tasks: z.number().int(),
      done: z.number().int(),
      skipped: z.number().int(),
      planned: z.number().int(),
      failed: z.number().int(),
      notRun: z.number().int(),
      abandoned: z.number().int(),
      retries: z.number().int(),
    }),
    criticalPath: z.strictObject({ ms: z.number().int(), ids: z.array(z.string()) }),
    failed: z.array(z.strictObject({ ...taskRef, error: errorInfo })),
  }),
]);

export type NdjsonEvent = z.infer<typeof ndjsonEventSchema>;
