import { createHash } from 'node:crypto';

/** A task's fingerprint: a short hash of every input that, when changed, makes a done task run again. */
export const fingerprint = (...parts: unknown[]): string => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
