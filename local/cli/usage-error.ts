/** A command line the CLI cannot act on; the message says what to change. Exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'USAGE';
}

/** Reads a whole-number flag value, naming the flag when it is not one. */
export function positiveIntFlag(name: string, value: string | undefined, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min) throw new UsageError(`--${name} must be a whole number ≥ ${min}, got "${value}"`);
  return number;
}
