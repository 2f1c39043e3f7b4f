/** Exit codes are part of drover's interface (DESIGN.md): CI scripts branch on them. */
export const ExitCode = {
  Ok: 0,
  Failed: 1,
  InvalidInput: 2,
  Locked: 3,
  HostVerification: 4,
  Interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
