import { describe, expect, it } from 'vitest';
import { MAX_BATCH_BYTES, messageSize, type OutgoingEntry, packBatches } from '../../../shared/producer/batch-packing';

const entry = (id: number, bodyBytes = 10): OutgoingEntry => ({
  id: String(id),
  body: 'x'.repeat(bodyBytes),
  attributes: { requestSchemaVersion: { DataType: 'String', StringValue: '1' } },
});
const ids = (batches: OutgoingEntry[][]) => batches.map((batch) => batch.map((item) => item.id));

describe('batch packing', () => {
  it('puts at most ten entries in a batch, in input order', () => {
    // given 23 small entries
    const entries = Array.from({ length: 23 }, (_, i) => entry(i));
    // when they are packed
    const batches = packBatches(entries);
    // then SQS's entry limit holds and nothing is reordered
    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 3]);
    expect(ids(batches).flat()).toEqual(entries.map((item) => item.id));
  });

  it('counts the body and every attribute name, type and value against the size limit', () => {
    // 'requestSchemaVersion' (20) + 'String' (6) + '1' (1)
    expect(messageSize(entry(0, 100))).toBe(100 + 20 + 6 + 1);
    expect(messageSize({ body: 'é', attributes: {} })).toBe(2);
  });

  it('starts a new batch before the payload would pass the byte limit', () => {
    // given entries of 400 KiB each (plus their attribute), against SQS's 1 MiB batch limit
    const entries = [0, 1, 2, 3, 4].map((i) => entry(i, 400 * 1024));
    // when they are packed
    const batches = packBatches(entries, MAX_BATCH_BYTES);
    // then two fit in a batch and a third would not
    expect(ids(batches)).toEqual([['0', '1'], ['2', '3'], ['4']]);
    for (const batch of batches) expect(batch.reduce((sum, item) => sum + messageSize(item), 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
  });

  it('gives an entry larger than the limit a batch of its own, so SQS names the problem', () => {
    const batches = packBatches([entry(0), entry(1, 2_000), entry(2)], 1_000);
    expect(ids(batches)).toEqual([['0'], ['1'], ['2']]);
  });
});
