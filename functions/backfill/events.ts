import type { PublishableEvent } from '../../shared/aws/event-publisher';
import {
  BACKFILL_COMPLETED,
  type BackfillCompletedDetail,
  type BackfillMode,
  type ManifestReference,
  type QueueBacklog,
  WAITING_REASON,
} from '../../shared/contracts/backfill-events';
import type { BackfillAbortCode } from '../../shared/contracts/error-codes';
import { type BackfillCursor, noProgress, withinBytes } from './cursor';

export interface RunEnd {
  finishedAt: Date;
  /** Absent for a run that reached the end of its manifest. */
  error?: { code: BackfillAbortCode; message: string };
  /** The provisioning queue as the run ended, when it could be read. */
  queue?: QueueBacklog;
}

/**
 * The `Backfill Completed` event of a run, from its cursor: "completed" when
 * every line was handled, "aborted" (with the error and the first line not
 * handled) otherwise.
 *
 * @example completedEvent(cursor, { finishedAt: new Date() }).detail.counts // { lines: 120, enqueued: 7, … }
 */
export function completedEvent(cursor: BackfillCursor, end: RunEnd): PublishableEvent & { detail: BackfillCompletedDetail } {
  const startedAtMs = Date.parse(cursor.startedAt);
  return {
    detailType: BACKFILL_COMPLETED,
    // The one event of a run: it must fit in EventBridge, however much the manifest had to say.
    detail: withinBytes({
      backfill: cursor.backfill,
      runId: cursor.runId,
      status: end.error === undefined ? 'completed' : 'aborted',
      mode: cursor.mode,
      manifest: cursor.manifest,
      counts: cursor.counts,
      invalidLines: cursor.invalidLines,
      invalidLinesOmitted: cursor.invalidLinesOmitted,
      failedLines: cursor.failedLines,
      failedLinesOmitted: cursor.failedLinesOmitted,
      startedAt: cursor.startedAt,
      finishedAt: end.finishedAt.toISOString(),
      durationMs: Math.max(0, end.finishedAt.getTime() - startedAtMs),
      invocations: cursor.invocations,
      ...(cursor.counts.waiting > 0 && cursor.soonestNotBefore !== undefined
        ? { waiting: { reason: WAITING_REASON, soonestNotBefore: cursor.soonestNotBefore } }
        : {}),
      ...(end.queue === undefined ? {} : { queue: end.queue }),
      ...(end.error === undefined ? {} : { error: end.error, stoppedAtLine: cursor.nextLine }),
    }),
  };
}

/**
 * The event of a run that stopped before it had a cursor: its manifest could
 * not be read, so no line was handled.
 *
 * @example abortedBeforeStart({ runId, backfill: 'nightly', mode: 'missing', manifest, startedAt, finishedAt, error })
 */
export function abortedBeforeStart(input: {
  runId: string;
  backfill: string;
  mode: BackfillMode;
  manifest: ManifestReference;
  startedAt: Date;
  finishedAt: Date;
  error: { code: BackfillAbortCode; message: string };
}): PublishableEvent & { detail: BackfillCompletedDetail } {
  return {
    detailType: BACKFILL_COMPLETED,
    detail: {
      backfill: input.backfill,
      runId: input.runId,
      status: 'aborted',
      mode: input.mode,
      manifest: input.manifest,
      ...noProgress(),
      startedAt: input.startedAt.toISOString(),
      finishedAt: input.finishedAt.toISOString(),
      durationMs: Math.max(0, input.finishedAt.getTime() - input.startedAt.getTime()),
      invocations: 1,
      error: input.error,
      stoppedAtLine: 1,
    },
  };
}
