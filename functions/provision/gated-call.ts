import { FivetranFault } from '../../shared/fivetran/fault';
import { ProvisioningError } from '../../shared/runtime/errors';
import type { Deadline } from '../../shared/runtime/retry';
import type { CallKind, RateGate } from './rate-gate';
import { capNamedBy } from './shared-spread';

/** A call shorter than this is not worth starting: it would time out and leave a create ambiguous. */
export const MIN_CALL_MS = 1_000;

export interface GatedCallOptions {
  gate?: RateGate | undefined;
  deadline: Deadline;
  /** The fault of the caller's last try: when no time is left for another, it is what the record failed of. */
  lastFault?: ProvisioningError | undefined;
  onRateLimited?(retryAfterSeconds: number | undefined): void;
  /** Runs once the gate lets the call start, before it: a create's slot in the shared budget (creation-admission.ts). */
  admit?(): Promise<void>;
}

/**
 * One Fivetran call as the worker makes every call: through the container's
 * rate gate, with a timeout that ends before the deadline, and a 429 told to
 * the gate so every record of the container slows down.
 *
 * @example await callThroughGate('create', createTimeoutMs, (timeoutMs) => client.createConnection(body, { timeoutMs }), { gate, deadline })
 */
export async function callThroughGate<T>(
  kind: CallKind,
  timeoutMs: number,
  call: (timeoutMs: number) => Promise<T>,
  options: GatedCallOptions,
): Promise<T> {
  const { gate, deadline } = options;
  const release = gate ? await gate.acquire(kind, deadline) : () => undefined;
  try {
    await options.admit?.();
    const remaining = deadline.remainingMs();
    if (remaining < MIN_CALL_MS) {
      throw (
        options.lastFault ?? new ProvisioningError('FIVETRAN_UNAVAILABLE', 'No time left in this invocation to call Fivetran; will retry')
      );
    }
    return await call(Math.min(timeoutMs, remaining));
  } catch (error) {
    if (error instanceof FivetranFault && error.status === 429) {
      options.onRateLimited?.(error.retryAfterSeconds);
      gate?.rateLimited(
        error.retryAfterSeconds,
        kind === 'create' && capNamedBy(error.fivetranMessage) !== undefined ? 'creates' : 'every call',
      );
    }
    throw error;
  } finally {
    release();
  }
}
