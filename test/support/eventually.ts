/**
 * Retries `check` until it stops throwing (use `expect` inside) or `timeoutMs` passes, then rethrows its
 * last failure. The way tests wait for asynchronous effects: by polling with a deadline, never a bare sleep.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 25));
    }
  }
}
