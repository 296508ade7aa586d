/**
 * Runs tasks with at most `concurrency` at a time, and tasks that share a key
 * one after another in the order they were submitted. Records of one batch for
 * the same Fivetran group and schema must not race each other: the second must
 * see the connection the first created.
 */
export interface KeyedLimiter {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

export function createKeyedLimiter(concurrency: number): KeyedLimiter {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  let running = 0;
  const waiting: Array<() => void> = [];
  const tailByKey = new Map<string, Promise<unknown>>();

  const acquireSlot = async (): Promise<void> => {
    if (running < concurrency) {
      running += 1;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const releaseSlot = (): void => {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  };

  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const previous = tailByKey.get(key) ?? Promise.resolve();
      const current = previous
        .catch(() => undefined)
        .then(async () => {
          await acquireSlot();
          try {
            return await task();
          } finally {
            releaseSlot();
          }
        });
      tailByKey.set(key, current);
      void current
        .catch(() => undefined)
        .then(() => {
          if (tailByKey.get(key) === current) tailByKey.delete(key);
        });
      return current;
    },
  };
}
