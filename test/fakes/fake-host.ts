import { posix } from 'node:path';
import type { ExecOptions, ExecResult, Host } from '../../src/transport/host.js';
import { ConnectionLostError, SshConnectError } from '../../src/transport/errors.js';

/** A scripted answer to a command; returning undefined passes the command to the next handler. */
export type ExecHandler = (command: string, match: RegExpExecArray, opts: ExecOptions) => ExecResult | undefined | Promise<ExecResult | undefined>;

export interface FakeHostCall {
  op: 'exec' | 'putFile' | 'getFile' | 'exists' | 'mkdir' | 'remove';
  arg: string;
  sudo?: boolean;
  stdin?: string;
}

/**
 * A node as the layers above transport see it, for executor/plan/kube unit tests and scale
 * runs with hundreds of hosts: a file tree (files with mode, directories with mkdir -p and
 * recursive remove semantics), commands answered by scripted handlers (first match wins,
 * unknown commands exit 127), a log of every call, and the transport's failure modes:
 * `unreachable` (SshConnectError, transient), `dropNext(n)` (the next n calls fail with
 * ConnectionLostError, transient, after the effect may have happened) and per-call latency.
 * It does not model users, sudo prompts, permissions or disk space.
 */
export class FakeHost implements Host {
  readonly files = new Map<string, { content: Buffer; mode: number }>();
  readonly dirs = new Set<string>(['/']);
  readonly calls: FakeHostCall[] = [];
  unreachable = false;
  latencyMs = 0;
  private drops = 0;
  private readonly handlers: { pattern: RegExp; handler: ExecHandler }[] = [];

  constructor(readonly address: string) {}

  /** Answer commands matching `pattern` (a string matches the whole command exactly). */
  onExec(pattern: RegExp | string, handler: ExecHandler | ExecResult): this {
    const re = typeof pattern === 'string' ? new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : pattern;
    this.handlers.push({ pattern: re, handler: typeof handler === 'function' ? handler : () => handler });
    return this;
  }

  /** The next `n` calls apply their effect, then fail as if the connection dropped. */
  dropNext(n = 1): void {
    this.drops += n;
  }

  commands(): string[] {
    return this.calls.filter((c) => c.op === 'exec').map((c) => c.arg);
  }

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    await this.enter({ op: 'exec', arg: command, ...(opts.sudo ? { sudo: true } : {}), ...(opts.stdin !== undefined ? { stdin: String(opts.stdin) } : {}) });
    let result: ExecResult = { code: 127, stdout: '', stderr: `fake host ${this.address}: no handler for: ${command}` };
    for (const { pattern, handler } of this.handlers) {
      pattern.lastIndex = 0;
      const m = pattern.exec(command);
      if (!m) continue;
      const r = await handler(command, m, opts);
      if (r) {
        result = r;
        break;
      }
    }
    return this.leave(result, command);
  }

  async putFile(path: string, content: string | Buffer, opts: { mode?: number } = {}): Promise<void> {
    await this.enter({ op: 'putFile', arg: path });
    this.requireParent(path);
    this.files.set(path, { content: Buffer.from(content), mode: opts.mode ?? 0o644 });
    return this.leave(undefined, `upload of ${path}`);
  }

  async getFile(path: string): Promise<Buffer> {
    await this.enter({ op: 'getFile', arg: path });
    const f = this.files.get(path);
    if (!f) throw new Error(`${this.address}: ${path}: no such file`);
    return this.leave(Buffer.from(f.content), `download of ${path}`);
  }

  async exists(path: string): Promise<boolean> {
    await this.enter({ op: 'exists', arg: path });
    return this.leave(this.files.has(path) || this.dirs.has(path), `stat of ${path}`);
  }

  async mkdir(path: string, _opts: { mode?: number } = {}): Promise<void> {
    await this.enter({ op: 'mkdir', arg: path });
    for (let p = path; p !== '/' && !this.dirs.has(p); p = posix.dirname(p)) {
      if (this.files.has(p)) throw new Error(`${this.address}: mkdir ${path}: ${p} is a file`);
      this.dirs.add(p);
    }
    return this.leave(undefined, `mkdir ${path}`);
  }

  async remove(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    await this.enter({ op: 'remove', arg: path });
    const below = (p: string) => p.startsWith(path.endsWith('/') ? path : `${path}/`);
    if (this.dirs.has(path)) {
      const nonEmpty = [...this.files.keys(), ...this.dirs].some(below);
      if (nonEmpty && !opts.recursive) throw new Error(`${this.address}: rm ${path}: is a non-empty directory`);
      for (const f of [...this.files.keys()]) if (below(f)) this.files.delete(f);
      for (const d of [...this.dirs]) if (below(d)) this.dirs.delete(d);
      this.dirs.delete(path);
    } else this.files.delete(path);
    return this.leave(undefined, `rm ${path}`);
  }

  private requireParent(path: string): void {
    if (!this.dirs.has(posix.dirname(path))) throw new Error(`${this.address}: ${posix.dirname(path)}: no such directory`);
  }

  private async enter(call: FakeHostCall): Promise<void> {
    await (this.latencyMs > 0 ? new Promise((r) => setTimeout(r, this.latencyMs)) : new Promise((r) => setImmediate(r)));
    if (this.unreachable) throw new SshConnectError(this.address, `cannot connect to ${this.address}: connect ECONNREFUSED`, { transient: true });
    this.calls.push(call);
  }

  private leave<T>(value: T, what: string): T {
    if (this.drops > 0) {
      this.drops--;
      throw new ConnectionLostError(this.address, what);
    }
    return value;
  }
}
