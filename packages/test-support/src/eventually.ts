/** Polls `check` until it returns true or the timeout passes (for asynchronous deliveries). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  { timeoutMs = 5000, intervalMs = 20 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
