import { classifyFivetranFault } from '../../shared/fivetran/fault-classification';
import type { ProvisioningError } from '../../shared/runtime/errors';
import { type BackoffOptions, type Deadline, nextDelayMs } from '../../shared/runtime/retry';
import { type ListGroupSchemasOptions, listGroupSchemas } from './list-group-schemas';
import type { GroupListing } from './reconcile-plan';

export interface GroupListerOptions extends ListGroupSchemasOptions {
  /** Listings of one group before its lines are reported as GROUP_LISTING_FAILED. */
  maxAttempts: number;
  backoff: BackoffOptions;
  /** No listing starts, and no wait begins, that would end past this. */
  deadline: Deadline;
  sleep(ms: number): Promise<void>;
  random(): number;
  onRetry?(retry: { groupId: string; attempt: number; delayMs: number; error: ProvisioningError }): void;
}

/** A listing shorter than this is not worth starting. */
const MIN_CALL_MS = 1_000;

/**
 * Lists groups the way the worker looks up schemas: transient faults
 * (no answer, 5xx, 429 with its Retry-After) are retried with jittered
 * backoff while attempts and time remain. Never throws: a group Fivetran
 * does not know, or one that could not be listed, becomes a failed listing,
 * so its lines are reported and the run goes on with the other groups.
 *
 * @example
 * const listGroup = createGroupLister({ baseUrl, apiKey, timeoutMs: 30_000, maxAttempts: 3, backoff, deadline, sleep, random: Math.random });
 * await listGroup('decent_dropsy') // { ok: true, schemas: Map { 'gitlab_team_a' => 'gitlab' } }
 */
export function createGroupLister(options: GroupListerOptions): (groupId: string) => Promise<GroupListing> {
  return async (groupId) => {
    for (let attempt = 1; ; attempt += 1) {
      let fault: ProvisioningError;
      const remaining = options.deadline.remainingMs();
      if (remaining < MIN_CALL_MS) {
        return { ok: false, code: 'GROUP_LISTING_FAILED', reason: 'no time was left in the invocation to list the group' };
      }
      try {
        const schemas = await listGroupSchemas(groupId, { ...options, timeoutMs: Math.min(options.timeoutMs, remaining) });
        return { ok: true, schemas };
      } catch (error) {
        fault = classifyFivetranFault(error, 'lookup');
      }
      if (fault.code === 'GROUP_NOT_FOUND') return { ok: false, code: 'GROUP_NOT_FOUND', reason: `Fivetran has no group ${groupId}` };
      const delayMs = nextDelayMs(attempt, fault.retryAfterSeconds, options.backoff, options.random);
      const worthRetrying = fault.retryable && attempt < options.maxAttempts && delayMs + MIN_CALL_MS <= options.deadline.remainingMs();
      if (!worthRetrying) return { ok: false, code: 'GROUP_LISTING_FAILED', reason: `listing group ${groupId} failed: ${fault.message}` };
      options.onRetry?.({ groupId, attempt, delayMs, error: fault });
      await options.sleep(delayMs);
    }
  };
}
