import type { Logger } from '@aws-lambda-powertools/logger';
import type { BackoffOptions } from './retry';
import type { SecretCache } from './secret-cache';

/**
 * What tests and benchmarks may swap in a function's handler: time, chance,
 * where logs go, the HTTP client and the secret cache. The deployed functions
 * and the local run pass none of them.
 */
export interface HandlerOverrides {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  backoff?: BackoffOptions;
  logger?: Logger;
  fetch?: typeof fetch;
  /** A secret cache the caller holds, to empty it between cases; by default the handler makes its own. */
  secrets?: SecretCache;
}
