import type { Logger } from '@aws-lambda-powertools/logger';
import type { BackoffOptions } from './retry';

/**
 * What tests and benchmarks may swap in a function's handler: time, chance,
 * where logs go and the HTTP client. The deployed functions and the local run
 * pass none of them.
 */
export interface HandlerOverrides {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  backoff?: BackoffOptions;
  logger?: Logger;
  fetch?: typeof fetch;
}
