import type { CampaignSettings } from './run-campaign';

/**
 * The fault campaign's settings: 300 requests, 10 % sent twice, four pollers
 * (four concurrent Lambda containers) taking batches of ten, and seeded
 * Fivetran faults on every call.
 *
 * Time is scaled down, never faked: a 3 s function timeout (what the poller's
 * context counts down from), a 500 ms safety margin, 1 s per lookup and 2 s per
 * create (never past the deadline), a
 * 4 s visibility timeout (longer than the function's, as Lambda requires, so
 * a record is never delivered twice while in progress), MAX_RECEIVE_COUNT 4
 * matching the queue's redrive policy, and the handler's real backoff, scaled
 * through the handler's `backoff` override (25 ms base, 400 ms cap instead of
 * 300 ms and 5 s). The "long" 429 asks for 4 s: more than an invocation's
 * 2.5 s budget, so the record goes back to the queue hidden for the wait, and
 * comes back within the test.
 */
export function faultCampaignSettings(seed: number): CampaignSettings {
  return {
    seed,
    requests: 300,
    duplicateShare: 0.1,
    longRetryAfterSeconds: 4,
    faults: {
      latency: { p: 0.3, minMs: 5, maxMs: 60 },
      status429Short: 0.03,
      status429Long: 0.01,
      status5xx: 0.08,
      drop: 0.04,
      createdThen500: 0.06,
    },
    pipeline: {
      pollers: 4,
      batchSize: 10,
      functionTimeoutMs: 3_000,
      visibilityTimeoutSeconds: 4,
      maxReceiveCount: 4,
      workerEnv: {
        FIVETRAN_REQUEST_TIMEOUT_MS: '1000',
        FIVETRAN_CREATE_TIMEOUT_MS: '2000',
        SAFETY_MARGIN_MS: '500',
        RECORD_CONCURRENCY: '5',
        MAX_ATTEMPTS_PER_DELIVERY: '4',
      },
      backoff: { baseDelayMs: 25, maxDelayMs: 400 },
    },
    // A guard against a run that never drains, not a timing goal: the wait ends as soon as the queue is empty.
    drainTimeoutMs: 90_000,
  };
}
