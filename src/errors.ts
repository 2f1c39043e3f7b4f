import { ExitCode } from './cli/exit-codes.js';

/**
 * Every error a user is meant to read is a DroverError: it knows its exit code and carries
 * a hint saying what to do next. Anything else reaching the CLI is a bug in drover.
 */
export class DroverError extends Error {
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  constructor(message: string, opts: { exitCode?: ExitCode; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.exitCode = opts.exitCode ?? ExitCode.Failed;
    this.hint = opts.hint;
  }
}

/** Wrong command-line usage: nothing was touched. */
export class UsageError extends DroverError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.InvalidInput, ...(hint ? { hint } : {}) });
  }
}

/** A command that is registered but not built yet: says so honestly and fails. */
export class NotImplementedError extends DroverError {
  constructor(command: string) {
    super(`\`drover ${command}\` is not implemented yet`, {
      exitCode: ExitCode.Failed,
      hint: 'see the README for the commands that work today',
    });
  }
}

/** Another run holds the cluster lock. */
export class LockHeldError extends DroverError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.Locked, ...(hint ? { hint } : {}) });
  }
}

/** A node's SSH host key is unknown or does not match: no command was run on it. */
export class HostVerificationError extends DroverError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.HostVerification, ...(hint ? { hint } : {}) });
  }
}

/** The run was interrupted (SIGINT/SIGTERM); the journal is consistent. */
export class InterruptedError extends DroverError {
  constructor(message = 'interrupted') {
    super(message, { exitCode: ExitCode.Interrupted, hint: 'run again with --resume to continue' });
  }
}
