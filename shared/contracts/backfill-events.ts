import * as z from 'zod/mini';
import '../runtime/zod-setup';
import { BACKFILL_ABORT_CODES, NOT_ENQUEUED_CODES } from './error-codes';

/**
 * The event a backfill run publishes when it ends, on the bus and with the
 * source of the worker's outcome events. Subscribers route on `detail-type`
 * and `detail.status`; `detail` follows `backfillCompletedDetailSchema`.
 */
export const BACKFILL_COMPLETED = 'Backfill Completed';

export const BACKFILL_MODES = ['missing', 'all'] as const;
export type BackfillMode = (typeof BACKFILL_MODES)[number];

export const manifestReferenceSchema = z.object({
  bucket: z.string(),
  key: z.string(),
  /** The object read: every invocation of the run reads this ETag (and version, in a versioned bucket). */
  etag: z.optional(z.string()),
  versionId: z.optional(z.string()),
});

/** Every non-blank line ends in exactly one of the other counts. */
export const backfillCountsSchema = z.object({
  lines: z.int().check(z.minimum(0)),
  invalid: z.int().check(z.minimum(0)),
  /** Same group and schema as an earlier line of the manifest (mode "missing" only). */
  duplicate: z.int().check(z.minimum(0)),
  alreadyProvisioned: z.int().check(z.minimum(0)),
  /** Not enqueued: the worker deferred the request, which waits on the queue for Fivetran's budget (mode "missing", with the ledger). */
  waiting: z.int().check(z.minimum(0)),
  enqueued: z.int().check(z.minimum(0)),
  failedToEnqueue: z.int().check(z.minimum(0)),
});

export const lineIssueSchema = z.object({ path: z.string(), reason: z.string() });

export const invalidLineSchema = z.object({
  line: z.int().check(z.minimum(1)),
  requestId: z.nullable(z.string()),
  /** The line's first issues; `issuesOmitted` counts the rest. */
  issues: z.array(lineIssueSchema),
  issuesOmitted: z.optional(z.int().check(z.minimum(0))),
});

export const failedLineSchema = z.object({
  line: z.int().check(z.minimum(1)),
  requestId: z.string(),
  groupId: z.string(),
  code: z.enum(NOT_ENQUEUED_CODES),
  reason: z.string(),
});

/**
 * The provisioning queue as the run ended (SQS's approximate counts): requests
 * waiting to be worked, in flight, and deferred — waiting for Fivetran's
 * rate-limit budget, not failed. A run's requests are among them until the
 * worker has published their outcome events.
 */
export const queueBacklogSchema = z.object({
  waiting: z.int().check(z.minimum(0)),
  inFlight: z.int().check(z.minimum(0)),
  deferred: z.int().check(z.minimum(0)),
});

/** What a run says of its `waiting` lines: not failed, waiting for Fivetran's budget, and the soonest next try. */
export const WAITING_REASON = "waiting for Fivetran's budget";
export const budgetWaitSchema = z.object({
  reason: z.literal(WAITING_REASON),
  /** The soonest moment one of the waiting requests is tried again, ISO 8601. */
  soonestNotBefore: z.string(),
});

export const backfillCompletedDetailSchema = z.object({
  backfill: z.string(),
  /** The request id of the run's first invocation; every log line of the run carries it. */
  runId: z.string(),
  status: z.enum(['completed', 'aborted']),
  mode: z.enum(BACKFILL_MODES),
  manifest: manifestReferenceSchema,
  counts: backfillCountsSchema,
  /** The first invalid lines, in manifest order; `invalidLinesOmitted` counts the rest. */
  invalidLines: z.array(invalidLineSchema),
  invalidLinesOmitted: z.int().check(z.minimum(0)),
  /** The first valid lines that were not enqueued, in manifest order; `failedLinesOmitted` counts the rest. */
  failedLines: z.array(failedLineSchema),
  failedLinesOmitted: z.int().check(z.minimum(0)),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.int().check(z.minimum(0)),
  /** Lambda invocations the run took (1 unless it handed over to follow-ups). */
  invocations: z.int().check(z.minimum(1)),
  /** Present when `counts.waiting` is above 0. */
  waiting: z.optional(budgetWaitSchema),
  /** The provisioning queue as the run ended; absent when it could not be read in time. */
  queue: z.optional(queueBacklogSchema),
  /** Aborted runs only: why, and the first line that was not handled. */
  error: z.optional(z.object({ code: z.enum(BACKFILL_ABORT_CODES), message: z.string() })),
  stoppedAtLine: z.optional(z.int().check(z.minimum(1))),
});

export type ManifestReference = z.infer<typeof manifestReferenceSchema>;
export type BackfillCounts = z.infer<typeof backfillCountsSchema>;
export type InvalidLine = z.infer<typeof invalidLineSchema>;
export type FailedLine = z.infer<typeof failedLineSchema>;
export type BackfillCompletedDetail = z.infer<typeof backfillCompletedDetailSchema>;
export type QueueBacklog = z.infer<typeof queueBacklogSchema>;
export type BudgetWait = z.infer<typeof budgetWaitSchema>;
