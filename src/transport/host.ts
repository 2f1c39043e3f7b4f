/**
 * The I/O edge to one machine. Everything that runs commands or moves files on a node goes
 * through this interface, so unit tests swap in a FakeHost (test/fakes).
 */
export interface ExecOptions {
  /** Kill the command and fail with a transient timeout error after this long. */
  timeoutMs?: number;
  /** Written to the command's standard input (how secrets reach a command, never argv). */
  stdin?: string | Buffer;
  /** Run through sudo when the SSH user is not root (ignored for root). */
  sudo?: boolean;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Host {
  /** The node's address as written in cluster.yml: the key used in errors, events and tasks. */
  readonly address: string;
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Write a file atomically (temporary name, then rename) with the given mode (default 0644). */
  putFile(path: string, content: string | Buffer, opts?: { mode?: number }): Promise<void>;
  getFile(path: string): Promise<Buffer>;
  exists(path: string): Promise<boolean>;
  /** mkdir -p with the given mode (default 0755). */
  mkdir(path: string, opts?: { mode?: number }): Promise<void>;
  /** rm (-r when recursive); a missing path is not an error. */
  remove(path: string, opts?: { recursive?: boolean }): Promise<void>;
}
