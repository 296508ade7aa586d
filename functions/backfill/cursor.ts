import * as z from 'zod/mini';
import '../../shared/runtime/zod-setup';
import {
  BACKFILL_MODES,
  type BackfillCounts,
  type BackfillMode,
  backfillCountsSchema,
  type FailedLine,
  failedLineSchema,
  type InvalidLine,
  invalidLineSchema,
  type ManifestReference,
} from '../../shared/contracts/backfill-events';
import type { EnqueueResult } from '../../shared/producer';
import type { LineDecision } from './reconcile-plan';

/**
 * Where a backfill run stands: the next line to handle and everything the
 * final event must report about the lines before it. A run that runs out of
 * time hands its cursor to a follow-up invocation, which starts at
 * `nextLine` of the same manifest object.
 *
 * "Never twice" rests on this: `nextLine` moves past a line only in
 * `settleChunk`, which is called only once the enqueue of that line has
 * returned a result (sent or refused), and a cursor is handed over only
 * between chunks, never while an enqueue is in flight. A follow-up therefore
 * never meets a line an earlier invocation sent, provided it reads the same
 * object (hence the pinned ETag/version) and runs once per handover (see
 * functions/backfill/create-handler.ts on async retries).
 */

/** Lists carried in the cursor and the event are capped so both stay far below their size limits. */
export const MAX_REPORTED_LINES = 25;
/** A reason longer than this is cut: the list is for finding the line, the worker's event has the rest. */
const MAX_REASON_LENGTH = 300;
/** A path longer than this is cut; field names the parser does not know are already shown by length only. */
const MAX_PATH_LENGTH = 200;
/**
 * What the reported lines may take up in the event and in the follow-up's
 * payload: EventBridge takes 256 KiB an event, Lambda 256 KiB an asynchronous
 * invocation. The caps above keep them well below; this is the backstop.
 */
export const MAX_REPORT_BYTES = 192 * 1024;

export const backfillCursorSchema = z.strictObject({
  version: z.literal(1),
  runId: z.string().check(z.minLength(1)),
  backfill: z.string().check(z.minLength(1)),
  mode: z.enum(BACKFILL_MODES),
  manifest: z.strictObject({
    bucket: z.string().check(z.minLength(1)),
    key: z.string().check(z.minLength(1)),
    etag: z.string().check(z.minLength(1)),
    versionId: z.optional(z.string()),
  }),
  /** 1-based number of the first line not yet handled. */
  nextLine: z.int().check(z.minimum(1)),
  // A cursor handed over by the version before `waiting` existed carries on with none.
  counts: z.extend(backfillCountsSchema, { waiting: z._default(z.int().check(z.minimum(0)), 0) }),
  /** The soonest `notBefore` of the lines counted as waiting so far, ISO 8601. */
  soonestNotBefore: z.optional(z.iso.datetime()),
  invalidLines: z.array(invalidLineSchema).check(z.maxLength(MAX_REPORTED_LINES)),
  invalidLinesOmitted: z.int().check(z.minimum(0)),
  failedLines: z.array(failedLineSchema).check(z.maxLength(MAX_REPORTED_LINES)),
  failedLinesOmitted: z.int().check(z.minimum(0)),
  startedAt: z.iso.datetime(),
  /** Invocations so far, this one included. */
  invocations: z.int().check(z.minimum(1)),
});
export type BackfillCursor = z.infer<typeof backfillCursorSchema>;

/** Counts and reported lines of a run that has handled no line yet. */
export function noProgress() {
  return {
    counts: { ...ZERO_COUNTS },
    invalidLines: [],
    invalidLinesOmitted: 0,
    failedLines: [],
    failedLinesOmitted: 0,
  };
}

export const ZERO_COUNTS: BackfillCounts = Object.freeze({
  lines: 0,
  invalid: 0,
  duplicate: 0,
  alreadyProvisioned: 0,
  waiting: 0,
  enqueued: 0,
  failedToEnqueue: 0,
});

/**
 * The cursor of a new run, before its first line.
 *
 * @example startCursor({ runId: 'c0ffee', backfill: 'nightly', mode: 'missing', manifest, startedAt: new Date() })
 */
export function startCursor(input: {
  runId: string;
  backfill: string;
  mode: BackfillMode;
  manifest: ManifestReference & { etag: string };
  startedAt: Date;
}): BackfillCursor {
  return {
    version: 1,
    runId: input.runId,
    backfill: input.backfill,
    mode: input.mode,
    manifest: {
      bucket: input.manifest.bucket,
      key: input.manifest.key,
      etag: input.manifest.etag,
      ...(input.manifest.versionId === undefined ? {} : { versionId: input.manifest.versionId }),
    },
    nextLine: 1,
    ...noProgress(),
    startedAt: input.startedAt.toISOString(),
    invocations: 1,
  };
}

/**
 * The cursor after a chunk of lines: counts and reports updated, and
 * `nextLine` moved to `nextLine`. `enqueueResults` are the producer's
 * results for the chunk's "enqueue" decisions, in the same order; call this
 * only once they are in (see the module comment).
 *
 * @example settleChunk(cursor, decisions, await enqueue(requests, options), lastLine + 1)
 */
export function settleChunk(
  cursor: BackfillCursor,
  decisions: readonly LineDecision[],
  enqueueResults: readonly EnqueueResult[],
  nextLine: number,
): BackfillCursor {
  const counts = { ...cursor.counts };
  const invalidLines = [...cursor.invalidLines];
  const failedLines = [...cursor.failedLines];
  let { invalidLinesOmitted, failedLinesOmitted, soonestNotBefore } = cursor;
  const reportInvalid = (entry: InvalidLine) => {
    if (invalidLines.length < MAX_REPORTED_LINES) invalidLines.push(entry);
    else invalidLinesOmitted += 1;
  };
  const reportFailed = (entry: FailedLine) => {
    counts.failedToEnqueue += 1;
    if (failedLines.length < MAX_REPORTED_LINES) failedLines.push({ ...entry, reason: cut(entry.reason) });
    else failedLinesOmitted += 1;
  };

  let enqueueIndex = 0;
  for (const decision of decisions) {
    counts.lines += 1;
    switch (decision.kind) {
      case 'invalid':
        counts.invalid += 1;
        reportInvalid({
          line: decision.line,
          requestId: decision.requestId,
          issues: decision.issues.map((issue) => ({ path: cut(issue.path, MAX_PATH_LENGTH), reason: cut(issue.reason) })),
          ...(decision.issuesOmitted > 0 ? { issuesOmitted: decision.issuesOmitted } : {}),
        });
        break;
      case 'duplicate':
        counts.duplicate += 1;
        break;
      case 'already_provisioned':
        counts.alreadyProvisioned += 1;
        break;
      case 'waiting':
        counts.waiting += 1;
        if (soonestNotBefore === undefined || Date.parse(decision.notBefore) < Date.parse(soonestNotBefore))
          soonestNotBefore = decision.notBefore;
        break;
      case 'not_enqueued':
        reportFailed({
          line: decision.line,
          requestId: decision.requestId,
          groupId: decision.groupId,
          code: decision.code,
          reason: decision.reason,
        });
        break;
      case 'enqueue': {
        const result = enqueueResults[enqueueIndex];
        enqueueIndex += 1;
        if (result?.status === 'sent') {
          counts.enqueued += 1;
          break;
        }
        reportFailed({
          line: decision.line,
          requestId: decision.request.requestId,
          groupId: decision.request.connection.group_id,
          // The producer validates with the worker's parser, as the manifest reader did: INVALID_REQUEST cannot occur here.
          code: result?.code === 'SQS_UNAVAILABLE' ? 'SQS_UNAVAILABLE' : 'SQS_REJECTED',
          reason: result?.reason ?? 'the producer returned no result for this request',
        });
        break;
      }
    }
  }
  return {
    ...cursor,
    nextLine,
    counts,
    invalidLines,
    invalidLinesOmitted,
    failedLines,
    failedLinesOmitted,
    ...(soonestNotBefore === undefined ? {} : { soonestNotBefore }),
  };
}

function cut(text: string, maxLength = MAX_REASON_LENGTH): string {
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}

type ReportedLines = Pick<BackfillCursor, 'invalidLines' | 'invalidLinesOmitted' | 'failedLines' | 'failedLinesOmitted'>;

/**
 * The same report, with the last reported lines moved into the omitted
 * counts until it serializes to at most `maxBytes` (UTF-8).
 *
 * @example withinBytes(cursor, MAX_REPORT_BYTES).invalidLinesOmitted // grows by what was dropped
 */
export function withinBytes<T extends ReportedLines>(report: T, maxBytes: number = MAX_REPORT_BYTES): T {
  let fitted = report;
  while (Buffer.byteLength(JSON.stringify(fitted), 'utf8') > maxBytes) {
    const { invalidLines, failedLines } = fitted;
    if (invalidLines.length === 0 && failedLines.length === 0) return fitted;
    fitted =
      invalidLines.length >= failedLines.length
        ? { ...fitted, invalidLines: invalidLines.slice(0, -1), invalidLinesOmitted: fitted.invalidLinesOmitted + 1 }
        : { ...fitted, failedLines: failedLines.slice(0, -1), failedLinesOmitted: fitted.failedLinesOmitted + 1 };
  }
  return fitted;
}
