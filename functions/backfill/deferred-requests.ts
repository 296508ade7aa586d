import type { AttributeValue, KeysAndAttributes } from '@aws-sdk/client-dynamodb';
import { untilDeadline } from '../../shared/aws/aws-calls';
import { LEDGER_TABLE_LAYOUT, requestKeyOf } from '../../shared/ledger/ledger';
import type { Deadline } from '../../shared/runtime/retry';
import type { BatchGet, BatchGetAnswer } from './ledger-batch-get';
import type { DeferredRequest } from './reconcile-plan';

/** BatchGetItem's most keys a call. */
export const KEYS_PER_CALL = 100;
/** Rounds of unprocessed keys (DynamoDB's answer to throttling) before the rest is left unknown. */
const MAX_ROUNDS = 5;
const BASE_DELAY_MS = 50;

export interface DeferredLookupOptions {
  /** One BatchGetItem call (signedBatchGet in the function). */
  batchGet: BatchGet;
  tableName: string;
  /** No call runs past it; what is unread by then stays unknown. */
  deadline: () => Deadline;
  sleep(ms: number): Promise<void>;
  random(): number;
  /** Told when some requests could not be read: their lines are enqueued as ever. */
  onUnread?(unread: number, why: string): void;
}

type Item = Record<string, AttributeValue>;
const { partitionKey: PK } = LEDGER_TABLE_LAYOUT;

/**
 * Reads which of a chunk's requests the worker deferred, from the ledger:
 * BatchGetItem, 100 keys a call, the unprocessed keys asked again (with
 * backoff, up to 5 rounds), every call bounded by the deadline. Never throws:
 * a request it could not read is left out, so its line is enqueued, which is
 * safe (the worker looks before it creates) and only makes the backlog longer.
 * Once a call failed or ran out of time, the lookup (one per invocation) asks
 * no more: a ledger that hangs would otherwise cost every chunk its timeouts.
 * Reading is all it does (dynamodb:BatchGetItem on the table).
 *
 * @example const deferred = await createDeferredLookup({ batchGet, tableName, deadline, sleep, random })(['team-a', 'team-b']);
 */
export function createDeferredLookup(options: DeferredLookupOptions) {
  const { batchGet, tableName } = options;
  let brokenBy: string | undefined;
  return async (requestIds: readonly string[]): Promise<ReadonlyMap<string, DeferredRequest>> => {
    const found = new Map<string, DeferredRequest>();
    // BatchGetItem refuses a call that names a key twice.
    const unique = [...new Set(requestIds)];
    if (brokenBy !== undefined) {
      options.onUnread?.(unique.length, `not asked: ${brokenBy} earlier in this invocation`);
      return found;
    }
    for (let start = 0; start < unique.length; start += KEYS_PER_CALL) {
      const slice = unique.slice(start, start + KEYS_PER_CALL);
      const gap = await readSlice(slice, found, options);
      if (gap !== undefined) {
        // The rest is not asked for: the ledger is failing, and the deadline is the chunk's too.
        if (gap.broken) brokenBy = gap.why;
        options.onUnread?.(unique.length - start - slice.length + gap.unread, gap.why);
        return found;
      }
    }
    return found;
  };

  async function readSlice(
    slice: readonly string[],
    found: Map<string, DeferredRequest>,
    o: DeferredLookupOptions,
  ): Promise<{ unread: number; why: string; broken: boolean } | undefined> {
    let keys: KeysAndAttributes | undefined = {
      Keys: slice.map((requestId) => ({ [PK]: { S: requestKeyOf(requestId) } })),
      ConsistentRead: true,
      ProjectionExpression: '#pk, #status, #notBefore',
      ExpressionAttributeNames: { '#pk': PK, '#status': 'status', '#notBefore': 'notBefore' },
    };
    for (let round = 0; keys !== undefined && (keys.Keys?.length ?? 0) > 0; round += 1) {
      const deadline = o.deadline();
      const left = keys.Keys?.length ?? 0;
      // Throttled keys are worth asking again in the next chunk; a failing or silent ledger is not.
      if (round >= MAX_ROUNDS) return { unread: left, why: `DynamoDB left keys unprocessed ${MAX_ROUNDS} times`, broken: false };
      if (deadline.remainingMs() <= 0) return { unread: left, why: 'no time left to read the ledger', broken: true };
      if (round > 0) await o.sleep(Math.min(deadline.remainingMs(), BASE_DELAY_MS * 2 ** round * (0.5 + o.random() / 2)));
      try {
        const answer: BatchGetAnswer = await batchGet({ RequestItems: { [tableName]: keys } }, untilDeadline(deadline).abortSignal);
        for (const item of answer.Responses?.[tableName] ?? []) note(item, found);
        keys = answer.UnprocessedKeys?.[tableName];
      } catch (error) {
        return { unread: left, why: `the ledger read failed (${error instanceof Error ? error.name : 'UnknownError'})`, broken: true };
      }
    }
    return undefined;
  }
}

/** A deferred create's entry, or nothing (an outcome, or an item that is not one: a hand edit). */
function note(item: Item, found: Map<string, DeferredRequest>): void {
  const key = item[PK]?.S;
  const prefix = requestKeyOf('');
  if (key === undefined || !key.startsWith(prefix) || item.status?.S !== 'deferred') return;
  const notBefore = item.notBefore?.S;
  if (notBefore === undefined || !Number.isFinite(Date.parse(notBefore))) return;
  found.set(key.slice(prefix.length), { notBefore });
}
