/**
 * The worker as the scaled-time benchmarks run it: invocations of 2 s, a
 * queue that brings a record back after 3 s, calls that give up in 1–1.5 s,
 * and backoff a tenth of the deployed one, so a Fivetran "minute" or "hour"
 * of seconds holds many invocations, as the real ones do.
 */
export function scaledWorker(recordConcurrency: number) {
  return {
    functionTimeoutMs: 2_000,
    visibilityTimeoutSeconds: 3,
    maxReceiveCount: 5,
    workerEnv: {
      FIVETRAN_REQUEST_TIMEOUT_MS: '1000',
      FIVETRAN_CREATE_TIMEOUT_MS: '1500',
      SAFETY_MARGIN_MS: '300',
      RECORD_CONCURRENCY: String(recordConcurrency),
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    },
    backoff: { baseDelayMs: 30, maxDelayMs: 300 },
  };
}
