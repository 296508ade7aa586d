import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeferredLookup, type DeferredLookupOptions } from '../../../functions/backfill/deferred-requests';
import { type BatchGet, type BatchGetAnswer, signedBatchGet } from '../../../functions/backfill/ledger-batch-get';
import { type LocalLedger, startLocalLedger } from '../../../local/world/ledger';
import type { RequestEntry } from '../../../shared/ledger/ledger';
import { deadlineAt } from '../../../shared/runtime/retry';

/** Which of a chunk's requests the worker deferred, read from the ledger in DynamoDB (dynalite over HTTP). */

/** A DynamoDB that answers from a script, one answer (or fault) a call, the last one again and again; it counts the calls. */
function scripted(...answers: Array<BatchGetAnswer | Error>) {
  const calls: unknown[] = [];
  const batchGet: BatchGet = async (request) => {
    calls.push(request);
    const answer = answers[Math.min(calls.length, answers.length) - 1]!;
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { batchGet, calls };
}
let local: LocalLedger;
beforeAll(async () => {
  local = await startLocalLedger();
});
afterAll(async () => {
  await local?.close();
});

const base = { action: 'create' as const, sqsMessageId: 'm-1', recordedAt: '2026-11-30T12:00:00.000Z' };
const deferredEntry = (requestId: string, notBefore: string): RequestEntry => ({
  ...base,
  requestId,
  status: 'deferred',
  notBefore,
  waitingSince: '2026-11-30T11:00:00.000Z',
});

function lookup(overrides: Partial<DeferredLookupOptions> = {}) {
  const unread: Array<{ unread: number; why: string }> = [];
  const find = createDeferredLookup({
    batchGet: signedBatchGet({
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      endpoint: local.endpoint,
    }),
    tableName: local.tableName,
    deadline: () => deadlineAt(Date.now() + 5_000, Date.now),
    sleep: async () => undefined,
    random: () => 0.5,
    onUnread: (count, why) => unread.push({ unread: count, why }),
    ...overrides,
  });
  return { find, unread };
}

describe('reading the deferred requests of a chunk', () => {
  it('finds exactly the deferred creates among 250 ids, duplicates included, over several calls', async () => {
    // given every tenth request deferred, every seventh succeeded or failed after a deferral, and the rest unknown
    const ids = Array.from({ length: 250 }, (_, i) => `req-lookup-${i}`);
    for (const [i, id] of ids.entries()) {
      if (i % 10 === 0) await local.ledger.recordRequest(deferredEntry(id, `2026-11-30T13:${String(i % 60).padStart(2, '0')}:00.000Z`));
      else if (i % 7 === 0) {
        await local.ledger.recordRequest(deferredEntry(id, '2026-11-30T13:00:00.000Z'));
        await local.ledger.recordRequest({ ...base, requestId: id, status: i % 2 === 0 ? 'succeeded' : 'failed' });
      }
    }
    const { find, unread } = lookup();

    // when the run asks about all of them, some twice
    const found = await find([...ids, ids[0]!, ids[10]!]);

    // then it names the 25 deferred ones with their next try, and left nothing unread
    expect([...found.keys()].sort()).toEqual(ids.filter((_, i) => i % 10 === 0).sort());
    expect(found.get('req-lookup-20')).toEqual({ notBefore: '2026-11-30T13:20:00.000Z' });
    expect(unread).toEqual([]);
  });

  it('asks again for the keys DynamoDB left unprocessed, and reports those it never answered for', async () => {
    // given DynamoDB answering one key and leaving the other unprocessed, then answering it, and then never again
    const key = (id: string) => ({ pk: { S: `request#${id}` } });
    const item = (id: string) => ({ ...key(id), status: { S: 'deferred' }, notBefore: { S: '2026-11-30T13:00:00.000Z' } });
    const dynamodb = scripted(
      { Responses: { t: [item('a')] }, UnprocessedKeys: { t: { Keys: [key('b')] } } },
      { Responses: { t: [item('b')] } },
      { Responses: { t: [] }, UnprocessedKeys: { t: { Keys: [key('c')] } } },
    );
    const { find, unread } = lookup({ batchGet: dynamodb.batchGet, tableName: 't' });

    // when two chunks are looked up
    const first = await find(['a', 'b']);
    const second = await find(['c']);

    // then the first is whole after a second call, and the second gives up after its rounds, saying so
    expect([...first.keys()]).toEqual(['a', 'b']);
    expect(second.size).toBe(0);
    expect(unread).toEqual([{ unread: 1, why: expect.stringContaining('unprocessed') }]);
    expect(dynamodb.calls).toHaveLength(2 + 5);
  });

  it('finds nothing, and says why, when the ledger cannot be read: an unknown table, or no time left', async () => {
    const missing = lookup({ tableName: 'no-such-table' });
    const late = lookup({ deadline: () => deadlineAt(Date.now() - 1, Date.now) });

    expect((await missing.find(['req-x', 'req-y'])).size).toBe(0);
    expect((await late.find(['req-x'])).size).toBe(0);

    expect(missing.unread).toEqual([{ unread: 2, why: 'the ledger read failed (ResourceNotFoundException)' }]);
    expect(late.unread).toEqual([{ unread: 1, why: 'no time left to read the ledger' }]);
  });

  it('asks a ledger that failed no more in the same invocation, so a hung one costs its timeouts once', async () => {
    // given a ledger whose first call fails, and one that answers afterwards
    const dynamodb = scripted(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }), { Responses: { t: [] } });
    const { find, unread } = lookup({ batchGet: dynamodb.batchGet, tableName: 't' });

    // when three chunks are looked up
    for (const ids of [['a'], ['b', 'c'], ['d']]) await find(ids);

    // then only the first was asked, and each chunk says why it was not read
    expect(dynamodb.calls).toHaveLength(1);
    expect(unread).toEqual([
      { unread: 1, why: 'the ledger read failed (TimeoutError)' },
      { unread: 2, why: 'not asked: the ledger read failed (TimeoutError) earlier in this invocation' },
      { unread: 1, why: 'not asked: the ledger read failed (TimeoutError) earlier in this invocation' },
    ]);
  });
});
