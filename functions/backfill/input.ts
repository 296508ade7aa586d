import * as z from 'zod/mini';
import '../../shared/runtime/zod-setup';
import { BACKFILL_MODES, type BackfillMode } from '../../shared/contracts/backfill-events';
import { type BackfillCursor, backfillCursorSchema, withinBytes } from './cursor';
import { InvalidBackfillEventError } from './errors';

/**
 * What the backfill function is invoked with: a schedule's input (the stack
 * writes one per backfill) to start a run, or a follow-up's continuation.
 */
export const scheduleInputSchema = z.strictObject({
  backfill: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be 1 to 64 of A-Za-z0-9_-' })),
  manifest: z.strictObject({
    bucket: z.string().check(z.minLength(3), z.maxLength(63)),
    key: z.string().check(z.minLength(1), z.maxLength(1024)),
  }),
  mode: z._default(z.enum(BACKFILL_MODES), 'missing'),
});

export const continuationSchema = z.strictObject({ continuation: backfillCursorSchema });

export type BackfillInput =
  | { kind: 'start'; backfill: string; manifest: { bucket: string; key: string }; mode: BackfillMode }
  | { kind: 'continue'; cursor: BackfillCursor };

/**
 * Tells a schedule's input from a continuation and checks it.
 *
 * @example readBackfillInput({ backfill: 'nightly', manifest: { bucket: 'b', key: 'teams.jsonl' } }) // { kind: 'start', mode: 'missing', … }
 */
export function readBackfillInput(event: unknown): BackfillInput {
  const isContinuation = typeof event === 'object' && event !== null && 'continuation' in event;
  const parsed = isContinuation ? continuationSchema.safeParse(event) : scheduleInputSchema.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'event'}: ${issue.message}`).join('; ');
    throw new InvalidBackfillEventError(`The backfill function was invoked with an event it cannot read (${problems})`);
  }
  const data = parsed.data;
  return 'continuation' in data ? { kind: 'continue', cursor: data.continuation } : { kind: 'start', ...data };
}

/**
 * The payload of the follow-up invocation that continues a run at `cursor`.
 *
 * @example JSON.parse(continuationPayload(cursor)) // { continuation: { nextLine: 201, … } }
 */
export function continuationPayload(cursor: BackfillCursor): string {
  return JSON.stringify({ continuation: withinBytes({ ...cursor, invocations: cursor.invocations + 1 }) });
}
