import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { defaultsFor, renderedVariables } from '../../shared/runtime/settings';

/**
 * Settings of the local run: the deployed defaults (shared/runtime/settings.ts)
 * and the few knobs a local run sets otherwise, named below.
 */

const DEPLOYED = defaultsFor('local');

/** The deployed function's timeout, which the poller's Lambda context counts down from. */
export const DEPLOYED_FUNCTION_TIMEOUT_SECONDS = DEPLOYED.functionTimeoutSeconds!;
/** The deployed queue: six function timeouts plus the batching window (Lambda's guidance for SQS sources). */
export const DEPLOYED_VISIBILITY_TIMEOUT_SECONDS = 6 * DEPLOYED_FUNCTION_TIMEOUT_SECONDS + DEPLOYED.maxBatchingWindowSeconds!;
/** Deliveries before SQS moves a record to the dead-letter queue, deployed and local alike. */
export const DEPLOYED_MAX_RECEIVE_COUNT = DEPLOYED.maxReceiveCount!;
/** Records per invocation, deployed and local alike. */
export const DEPLOYED_BATCH_SIZE = DEPLOYED.batchSize!;

/**
 * The local queue's visibility timeout. A failed record comes back after this
 * long; with the deployed 725 s a retried example would keep a local run busy
 * for many minutes, so locally it is short. The local function timeout follows
 * it (see localFunctionTimeoutMs), so a record is never delivered again while
 * an invocation still works on it.
 */
export const LOCAL_VISIBILITY_TIMEOUT_SECONDS = 10;

/**
 * The shortest local visibility timeout a run accepts. The function timeout
 * follows the visibility timeout and the worker keeps 1 s of it back, and no
 * Fivetran call starts with less than 1 s left (MIN_CALL_MS): below 5 s a
 * lookup and a create no longer fit in one invocation, and at 0 a record is
 * delivered again while it is still being worked on (one event published many
 * times).
 */
export const MIN_LOCAL_VISIBILITY_TIMEOUT_SECONDS = 5;
/** SQS's own limit: 12 hours. */
export const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;

/**
 * The function timeout the local poller gives the handler: the deployed one,
 * but never longer than the queue's visibility timeout. Lambda refuses an SQS
 * source whose visibility timeout is shorter than the function's timeout for
 * the same reason: the record would come back while it is still in progress.
 */
export function localFunctionTimeoutMs(visibilityTimeoutSeconds: number): number {
  return Math.min(DEPLOYED_FUNCTION_TIMEOUT_SECONDS, visibilityTimeoutSeconds) * 1000;
}
/** Long-polling wait of the local poller: short enough that Ctrl-C ends the run within it. */
export const LOCAL_WAIT_TIME_SECONDS = 2;

export const LOCAL_QUEUE_NAME = 'fivetran-provisioner-requests';
export const LOCAL_DLQ_NAME = 'fivetran-provisioner-requests-dlq';

/**
 * The variables the stack sets on the deployed worker (the settings table's).
 * The local worker process gets each one set in the environment, as if it were
 * set in the Lambda's configuration.
 */
export const WORKER_VARIABLES: readonly string[] = renderedVariables('provision');

/**
 * The worker's settings for a local run: what the stack would derive, and the
 * knobs a local run sets otherwise. Any of these variables set in the
 * environment wins, as it would in the Lambda's configuration.
 */
export const LOCAL_WORKER_ENV: Readonly<Record<string, string>> = {
  FIVETRAN_API_SECRET_ID: 'fivetran/api-key',
  CREDENTIALS_SECRET_PREFIX: 'fivetran/gitlab/',
  EVENT_BUS_NAME: 'fivetran-provisioner-local',
  RECORD_CONCURRENCY: String(DEPLOYED.recordConcurrency),
  // safetyMarginMs: the local function timeout is short (it follows the visibility timeout); keep most of it for work.
  SAFETY_MARGIN_MS: '1000',
  POWERTOOLS_SERVICE_NAME: DEPLOYED.serviceName!,
  // Metrics would write EMF documents among the handler's logs; CloudWatch is not here to read them.
  POWERTOOLS_METRICS_DISABLED: 'true',
};

/** The repository, so that defaults hold wherever the command is run from. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where a run writes its events, handler log and stack file; git-ignored. */
export const DEFAULT_RUN_DIR = join(REPO_ROOT, '.local-run');
export const DEFAULT_EXAMPLES_DIR = join(REPO_ROOT, 'examples');
/** A new value for the credentials secret ROTATED_SECRET_NAME (fake), for showing a rotation by hand. */
export const LOCAL_ROTATED_CREDENTIALS_FILE = join(REPO_ROOT, 'examples', 'rotated-credentials.json');
export const ROTATED_SECRET_NAME = 'fivetran/gitlab/sandbox_group/team-pat';
/** A request valid in the local world (the request contract's example in the README and docs/contracts.md), for sending by hand. */
export const LOCAL_REQUEST_FILE = join(REPO_ROOT, 'examples', 'request.json');
