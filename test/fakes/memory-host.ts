import { posix } from 'node:path';
import type { ExecOptions, ExecResult, Host } from '../../src/transport/host.js';

/**
 * An in-memory Host: a file tree (files with content and mode, directories) behind the Host
 * interface, for unit tests of code that moves files on nodes (state replica, remote lock).
 * exec understands only `mkdir -m MODE path` (path shell-quoted; no -p: fails when the path exists, as the
 * remote lock relies on); anything else exits 127. `failing` makes every call throw, as an
 * unreachable node would. All methods are async and yield, so concurrent callers interleave.
 */
export class MemoryHost implements Host {
  readonly files = new Map<string, { content: Buffer; mode: number }>();
  readonly dirs = new Set<string>(['/']);
  readonly commands: string[] = [];
  failing = false;

  constructor(readonly address: string) {}

  private async step(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    if (this.failing) throw new Error(`${this.address}: connection refused`);
  }

  private requireParent(path: string): void {
    if (!this.dirs.has(posix.dirname(path))) throw new Error(`${this.address}: ${posix.dirname(path)}: no such directory`);
  }

  async exec(command: string, _opts?: ExecOptions): Promise<ExecResult> {
    await this.step();
    this.commands.push(command);
    // The path comes quoted ('...') or, when it needs no quoting, bare.
    const mkdir = /^mkdir -m ([0-7]+) (?:'((?:[^']|'\\'')*)'|([A-Za-z0-9_@%+=:,./-]+))$/.exec(command);
    if (!mkdir) return { code: 127, stdout: '', stderr: `fake host: unsupported command: ${command}` };
    const path = mkdir[2] !== undefined ? mkdir[2].replace(/'\\''/g, "'") : mkdir[3]!;
    if (this.dirs.has(path) || this.files.has(path)) return { code: 1, stdout: '', stderr: `mkdir: cannot create directory '${path}': File exists` };
    if (!this.dirs.has(posix.dirname(path))) return { code: 1, stdout: '', stderr: `mkdir: cannot create directory '${path}': No such file or directory` };
    this.dirs.add(path);
    return { code: 0, stdout: '', stderr: '' };
  }

  async putFile(path: string, content: string | Buffer, opts: { mode?: number } = {}): Promise<void> {
    await this.step();
    this.requireParent(path);
    this.files.set(path, { content: Buffer.from(content), mode: opts.mode ?? 0o644 });
  }

  async getFile(path: string): Promise<Buffer> {
    await this.step();
    const file = this.files.get(path);
    if (!file) throw new Error(`${this.address}: ${path}: no such file`);
    return Buffer.from(file.content);
  }

  async exists(path: string): Promise<boolean> {
    await this.step();
    return this.files.has(path) || this.dirs.has(path);
  }

  async mkdir(path: string, _opts?: { mode?: number }): Promise<void> {
    await this.step();
    let dir = path;
    while (dir !== '/' && !this.dirs.has(dir)) {
      this.dirs.add(dir);
      dir = posix.dirname(dir);
    }
  }

  async remove(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    await this.step();
    const children = [...this.files.keys(), ...this.dirs].filter((p) => p.startsWith(`${path}/`));
    if (children.length > 0 && !opts.recursive) throw new Error(`${this.address}: ${path}: directory not empty`);
    for (const p of children) {
      this.files.delete(p);
      this.dirs.delete(p);
    }
    this.files.delete(path);
    this.dirs.delete(path);
  }
}
