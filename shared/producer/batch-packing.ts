import type { MessageAttributeValue } from '@aws-sdk/client-sqs';

/** SendMessageBatch takes at most 10 entries. */
export const MAX_BATCH_ENTRIES = 10;
/**
 * SendMessageBatch's payload limit: the bodies and message attributes of all
 * entries together, 1 MiB since SQS raised it from 256 KiB in 2025.
 */
export const MAX_BATCH_BYTES = 1_048_576;

export interface OutgoingEntry {
  /** Batch entry id: the request's input index, unique across the whole enqueue. */
  id: string;
  body: string;
  attributes: Record<string, MessageAttributeValue>;
}

/** What SQS counts against the limit: body, and every attribute's name, type and value, in UTF-8 bytes. */
export function messageSize(entry: Pick<OutgoingEntry, 'body' | 'attributes'>): number {
  let size = Buffer.byteLength(entry.body, 'utf8');
  for (const [name, value] of Object.entries(entry.attributes)) {
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value.DataType ?? '', 'utf8');
    if (value.StringValue !== undefined) size += Buffer.byteLength(value.StringValue, 'utf8');
    if (value.BinaryValue !== undefined) size += value.BinaryValue.byteLength;
  }
  return size;
}

/**
 * Groups entries, in order, into batches SQS accepts: at most 10 entries and
 * at most `maxBytes` of payload each. An entry larger than `maxBytes` on its
 * own still gets a batch, so that SQS, not this function, says what is wrong.
 *
 * @example packBatches(entries, 1_048_576).map((batch) => batch.length) // [10, 10, 3]
 */
export function packBatches(entries: readonly OutgoingEntry[], maxBytes: number = MAX_BATCH_BYTES): OutgoingEntry[][] {
  const batches: OutgoingEntry[][] = [];
  let current: OutgoingEntry[] = [];
  let currentBytes = 0;
  for (const entry of entries) {
    const size = messageSize(entry);
    if (current.length > 0 && (current.length === MAX_BATCH_ENTRIES || currentBytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(entry);
    currentBytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
