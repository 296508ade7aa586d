import type { ConnectionOperation } from '../../../shared/fivetran/fault-classification';
import { classifyFivetranFault } from '../../../shared/fivetran/fault-classification';
import type { ProvisioningError } from '../../../shared/runtime/errors';
import { type BackoffOptions, type Deadline, nextDelayMs } from '../../../shared/runtime/retry';
import { callThroughGate, MIN_CALL_MS } from '../gated-call';
import type { FivetranCallTracer } from '../provision-connection';
import type { RateGate } from '../rate-gate';

export interface ConnectionCallOptions {
  deadline: Deadline;
  /** Reads and plain updates. */
  requestTimeoutMs: number;
  /** Calls that run setup tests (a PATCH with run_setup_tests, POST …/test) and deletes: Fivetran answers them slowly. */
  slowCallTimeoutMs: number;
  maxAttempts: number;
  backoff: BackoffOptions;
  sleep(ms: number): Promise<void>;
  random(): number;
  gate?: RateGate;
  onRetry?(retry: { attempt: number; delayMs: number; error: ProvisioningError }): void;
  onRateLimited?(retryAfterSeconds: number | undefined): void;
  /** A subsegment per call, when tracing is on (fivetran-tracing.ts). */
  traceCall?: FivetranCallTracer | undefined;
}

/** Tries made so far, over every call of one record: what a failure event reports. */
export interface AttemptCount {
  count: number;
}

const SLOW: ReadonlySet<ConnectionOperation> = new Set(['setup-tests', 'delete']);

/**
 * Runs one Fivetran call on an existing connection with the worker's rules:
 * through the rate gate, each try's timeout ending before the deadline,
 * transient faults retried with jittered backoff while tries and time remain.
 * Every call here is safe to repeat (a PATCH sets the same values again; a
 * DELETE repeated answers 404, which the caller reads as already deleted).
 * Throws the classified fault (a 404 naming the connection: CONNECTION_NOT_FOUND).
 *
 * @example await callConnection('update', (timeoutMs) => client.updateConnection(id, { paused: true }, { timeoutMs }), options, attempts)
 */
export async function callConnection<T>(
  operation: ConnectionOperation,
  call: (timeoutMs: number) => Promise<T>,
  options: ConnectionCallOptions,
  attempts: AttemptCount,
  slow = SLOW.has(operation),
): Promise<T> {
  const { deadline, gate } = options;
  let lastFault: ProvisioningError | undefined;
  for (let tries = 1; ; tries += 1) {
    attempts.count += 1;
    try {
      return await callThroughGate(
        operation === 'read' ? 'lookup' : 'create',
        slow ? options.slowCallTimeoutMs : options.requestTimeoutMs,
        (timeoutMs) => (options.traceCall ? options.traceCall(operation, () => call(timeoutMs)) : call(timeoutMs)),
        { gate, deadline, lastFault, ...(options.onRateLimited ? { onRateLimited: options.onRateLimited } : {}) },
      );
    } catch (error) {
      const fault = classifyFivetranFault(error, operation);
      lastFault = fault;
      if (!fault.retryable || tries >= options.maxAttempts) throw fault;
      const delayMs = nextDelayMs(tries, fault.retryAfterSeconds, options.backoff, options.random);
      if (delayMs + MIN_CALL_MS > deadline.remainingMs()) throw fault;
      options.onRetry?.({ attempt: tries, delayMs, error: fault });
      await options.sleep(delayMs);
    }
  }
}
