/** Exit codes of docs/cli.md: success, the work failed or found a problem, bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Bad usage found after the arguments parsed (a file that cannot be read, a bad environment): exit 2. */
export class UsageError extends Error {}

/** The work failed for a reason the user can act on; the message says which. Exit 1. */
export class FailedError extends Error {}
