/**
 * Replaces registered secret strings (passwords, tokens, private keys) with a marker in
 * everything the executor emits, before any renderer or listener sees it.
 */
export const REDACTED = '[redacted]';

export class Redactor {
  private readonly secrets = new Set<string>();
  /** Longest first, so a secret containing another is replaced whole. */
  private ordered: string[] = [];

  constructor(secrets: Iterable<string> = []) {
    for (const s of secrets) this.add(s);
  }

  /** Very short values are ignored: redacting "a" would shred every message. */
  add(secret: string): void {
    if (secret.length < 4 || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    this.ordered = [...this.secrets].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    if (this.secrets.size === 0) return text;
    let out = text;
    for (const s of this.ordered) {
      if (out.includes(s)) out = out.split(s).join(REDACTED);
    }
    return out;
  }

  /** A deep copy of a JSON-like value with every string redacted; the value itself when clean. */
  redactValue<T>(value: T): T {
    if (this.secrets.size === 0 || !this.holdsSecret(value)) return value;
    return this.walk(value) as T;
  }

  /** Looks without copying: nearly every event is clean, and a copy per event costs GC time. */
  // Plain loops: this runs on every event, and closures per string were most of its cost.
  private holdsSecret(value: unknown): boolean {
    if (typeof value === 'string') {
      for (const s of this.ordered) if (value.includes(s)) return true;
      return false;
    }
    if (value === null || typeof value !== 'object') return false;
    if (Array.isArray(value)) {
      for (const v of value) if (this.holdsSecret(v)) return true;
      return false;
    }
    for (const k in value) if (this.holdsSecret((value as Record<string, unknown>)[k])) return true;
    return false;
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.walk(v);
      return out;
    }
    return value;
  }
}
