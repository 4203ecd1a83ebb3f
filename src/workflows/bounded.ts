// Runs tasks with at most `limit` in flight, in input order. Deterministic: only workflow
// promises are awaited, so it is safe in workflow code.

/**
 * Runs `task` for each item, at most `limit` at a time. When a task fails (or the scope is
 * cancelled), no further item starts, but the tasks in flight run to their end before the first
 * error is rethrown: a copy that is still writing is never abandoned while its caller records an
 * outcome.
 */
export async function forEachBounded<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const runner = async (): Promise<void> => {
    while (next < items.length && !failure) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, runner));
  if (failure) throw failure.error;
}
