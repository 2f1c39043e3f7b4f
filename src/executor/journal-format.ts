/**
 * The journal's line format, pure. One JSON object per line:
 *   {"journal":"drover","v":1,"identity":"...","runId":"...","resume":false}   a run begins
 *   {"id":"...","fingerprint":"...","status":"done","ms":12}                   a task finished
 *   {"end":"ok"|"failed"|"interrupted","runId":"..."}                          a run ended
 * Readers tolerate what a crash leaves behind: a half-written last line, or garbage, is skipped
 * and counted, never thrown.
 */
export const JOURNAL_VERSION = 1;

export interface JournalHeader {
  journal: 'drover';
  v: number;
  identity: string;
  runId: string;
  resume: boolean;
}
export interface JournalRecord {
  id: string;
  fingerprint: string;
  status: 'done' | 'failed';
  ms: number;
}
export interface JournalEnd {
  end: 'ok' | 'failed' | 'interrupted';
  runId: string;
}

export interface JournalState {
  /** Identity from the first header; undefined for an empty or unreadable journal. */
  identity: string | undefined;
  /** Fingerprint of every task last recorded done, by id. A later failure removes it. */
  done: Map<string, string>;
  /** How the last run ended; 'unfinished' when it has no end line (killed, crashed). */
  lastRun: JournalEnd['end'] | 'unfinished' | 'none';
  failedIds: string[];
  /** Lines that were not valid (a torn write at the end, or foreign content). */
  badLines: number;
  /** Headers with another identity than the first one: the file was shared by two configs. */
  foreignHeaders: number;
}

export function headerLine(h: Omit<JournalHeader, 'journal' | 'v'>): string {
  return JSON.stringify({ journal: 'drover', v: JOURNAL_VERSION, ...h }) + '\n';
}
/** One line per finished task; on every task's path: one JSON.stringify makes half the garbage of a template of its parts. */
export function recordLine(r: JournalRecord): string {
  return JSON.stringify({ id: r.id, fingerprint: r.fingerprint, status: r.status, ms: r.ms }) + '\n';
}
export function endLine(e: JournalEnd): string {
  return JSON.stringify({ end: e.end, runId: e.runId }) + '\n';
}

export function parseJournal(text: string): JournalState {
  const state: JournalState = { identity: undefined, done: new Map(), lastRun: 'none', failedIds: [], badLines: 0, foreignHeaders: 0 };
  let failed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const entry = parseLine(line);
    if (entry === undefined) {
      state.badLines++;
      continue;
    }
    if ('journal' in entry) {
      if (state.identity === undefined) state.identity = entry.identity;
      else if (entry.identity !== state.identity) state.foreignHeaders++;
      state.lastRun = 'unfinished';
      failed = new Set();
    } else if ('end' in entry) {
      state.lastRun = entry.end;
    } else if (entry.status === 'done') {
      state.done.set(entry.id, entry.fingerprint);
      failed.delete(entry.id);
    } else {
      state.done.delete(entry.id);
      failed.add(entry.id);
    }
  }
  state.failedIds = [...failed];
  return state;
}

function parseLine(line: string): JournalHeader | JournalRecord | JournalEnd | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  if (o['journal'] === 'drover' && typeof o['identity'] === 'string' && o['v'] === JOURNAL_VERSION) {
    return { journal: 'drover', v: JOURNAL_VERSION, identity: o['identity'], runId: String(o['runId'] ?? ''), resume: o['resume'] === true };
  }
  if (o['end'] === 'ok' || o['end'] === 'failed' || o['end'] === 'interrupted') {
    return { end: o['end'], runId: String(o['runId'] ?? '') };
  }
  if (
    typeof o['id'] === 'string' &&
    typeof o['fingerprint'] === 'string' &&
    (o['status'] === 'done' || o['status'] === 'failed') &&
    typeof o['ms'] === 'number'
  ) {
    return { id: o['id'], fingerprint: o['fingerprint'], status: o['status'], ms: o['ms'] };
  }
  return undefined;
}
