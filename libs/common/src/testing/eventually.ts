/** Polls `check` until it stops throwing, or fails with its last error after `timeoutMs`. */
export async function expectEventually<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 25 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/**
 * Checks that something stays true for `forMs` (polling every `intervalMs`): for what must NOT happen
 * within a time, such as a redelivery before a deadline. Throws at the first poll that finds it false.
 */
export async function expectThroughout(
  check: () => void | Promise<void>,
  { forMs, intervalMs = 50 }: { forMs: number; intervalMs?: number },
): Promise<void> {
  const until = Date.now() + forMs;
  do {
    await check();
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  } while (Date.now() < until);
  await check();
}
