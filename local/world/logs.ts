/** What the handlers of this process logged, while captured. */
export interface LogCapture {
  /** Every non-empty line written to stdout or stderr, in order. */
  lines: string[];
  restore(): void;
}

/**
 * Captures this process's stdout and stderr (Powertools writes INFO to
 * stdout, WARN and ERROR to stderr), so a test can search what was logged
 * and the report stays readable. Restore puts the writers back.
 */
export function captureLogs(): LogCapture {
  const lines: string[] = [];
  const writers = { stdout: process.stdout.write, stderr: process.stderr.write };
  const capture = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(
      ...String(chunk)
        .split('\n')
        .filter((line) => line.trim() !== ''),
    );
    const callback = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = capture;
  process.stderr.write = capture;
  let restored = false;
  return {
    lines,
    restore() {
      if (restored) return;
      restored = true;
      process.stdout.write = writers.stdout;
      process.stderr.write = writers.stderr;
    },
  };
}
