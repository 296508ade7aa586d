/** Steps that undo what was started, run last-in first-out. */
export interface Cleanups {
  push(step: () => unknown): void;
  /** Runs every step, even when one fails, so a failed stop still frees the ports and the environment; throws the first failure. */
  run(): Promise<void>;
}

export function createCleanups(): Cleanups {
  const steps: Array<() => unknown> = [];
  return {
    push: (step) => {
      steps.push(step);
    },
    async run() {
      let firstError: unknown;
      for (const step of steps.splice(0).reverse()) {
        try {
          await step();
        } catch (error) {
          firstError ??= error;
        }
      }
      if (firstError !== undefined) throw firstError;
    },
  };
}
