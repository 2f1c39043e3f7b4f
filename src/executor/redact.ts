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

  /**
   * A deep copy of a JSON-like value with every string redacted; the value itself when no
   * string holds a secret (the common case: one serialisation instead of a copy per event).
   */
  redactValue<T>(value: T): T {
    if (this.secrets.size === 0) return value;
    const json = JSON.stringify(value);
    // Secrets are searched in their JSON-escaped form, as they appear inside `json`.
    if (json === undefined || !this.ordered.some((s) => json.includes(JSON.stringify(s).slice(1, -1)))) return value;
    return this.walk(value) as T;
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
