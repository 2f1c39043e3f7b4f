import { CURRENT_SCHEMA_VERSION } from './cluster-state.js';

/** One step: a document of schema `from` becomes one of schema `from + 1`. */
export interface Migration {
  from: number;
  migrate(doc: Record<string, unknown>): Record<string, unknown>;
}

/** Schema 1 is the first; later schema changes append a step here (never edit an old one). */
export const MIGRATIONS: readonly Migration[] = [];

export class NewerSchemaError extends Error {
  constructor(readonly found: number, readonly supported: number) {
    super(`schema ${found} is newer than this drover reads (up to ${supported})`);
  }
}

/** Bring a parsed state document up to the current schema, one step at a time. */
export function migrateState(
  doc: Record<string, unknown>,
  migrations: readonly Migration[] = MIGRATIONS,
  current = CURRENT_SCHEMA_VERSION,
): Record<string, unknown> {
  let version = typeof doc['schemaVersion'] === 'number' ? doc['schemaVersion'] : NaN;
  if (!Number.isInteger(version) || version < 1) throw new Error(`no valid schemaVersion (${String(doc['schemaVersion'])})`);
  if (version > current) throw new NewerSchemaError(version, current);
  let out = doc;
  while (version < current) {
    const step = migrations.find((m) => m.from === version);
    if (!step) throw new Error(`no migration from schema ${version}`);
    out = { ...step.migrate(out), schemaVersion: version + 1 };
    version += 1;
  }
  return out;
}
