import { type MessageAttributeValue, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient, describeSqsError, isClientConfigurationError, regionOfQueue } from '../aws/sqs-client';
import { REQUEST_SCHEMA_VERSION_ATTRIBUTE } from '../contracts/request';
import { backoffDelayMs, DEFAULT_BACKOFF } from '../runtime/retry';
import { MAX_BATCH_BYTES, type OutgoingEntry, packBatches } from './batch-packing';
import { isRetryableCallError, isRetryableEntryFailure } from './send-faults';
import type { EnqueueOptions, EnqueueProgress, EnqueueResult } from './types';
import { validateRequest } from './validate-request';

export { REQUEST_SCHEMA_VERSION_ATTRIBUTE };

/** Creates travel as version 1, which every worker reads; lifecycle actions as version 2, which an older worker refuses rather than misreads. */
const versionAttributes = (schemaVersion: string): Record<string, MessageAttributeValue> => ({
  [REQUEST_SCHEMA_VERSION_ATTRIBUTE]: { DataType: 'String', StringValue: schemaVersion },
});

interface Pending {
  index: number;
  requestId: string;
  entry: OutgoingEntry;
  attempts: number;
}

/**
 * Puts provisioning requests (creates and lifecycle actions) on the queue. Every request is first checked
 * with the worker's own parser: an invalid one is refused with its reason and
 * never sent, while the valid ones still go. Requests travel in
 * SendMessageBatch calls within SQS's entry and size limits; entries that fail
 * with a retryable error are sent again with jittered backoff.
 *
 * Returns one result per request, in input order. Never throws for a request
 * or an SQS fault: those are results.
 *
 * @example
 * const results = await enqueue([request], { queueUrl });
 * results[0] // { status: 'sent', messageId: '…', requestId: 'team-a-gitlab', … }
 */
export async function enqueue(requests: readonly unknown[], options: EnqueueOptions): Promise<EnqueueResult[]> {
  const maxAttempts = options.maxAttempts ?? 5;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const ownClient = options.sqsClient === undefined;
  const sqs: SQSClient = options.sqsClient ?? (await clientForQueue(options.queueUrl));

  const results: EnqueueResult[] = new Array(requests.length);
  const progress: EnqueueProgress = { total: requests.length, sent: 0, refused: 0 };
  const settle = (result: EnqueueResult): void => {
    results[result.index] = result;
    if (result.status === 'sent') progress.sent += 1;
    else progress.refused += 1;
    options.onProgress?.({ ...progress });
  };

  let pending: Pending[] = [];
  // A plain loop: forEach would skip the holes of a sparse array, leaving them without a result.
  for (let index = 0; index < requests.length; index += 1) {
    const validation = validateRequest(requests[index]);
    if (!validation.ok) {
      settle({
        index,
        status: 'refused',
        requestId: validation.requestId,
        code: 'INVALID_REQUEST',
        reason: validation.reason,
        attempts: 0,
      });
      continue;
    }
    pending.push({
      index,
      requestId: validation.requestId,
      entry: { id: String(index), body: validation.body, attributes: versionAttributes(validation.schemaVersion) },
      attempts: 0,
    });
  }

  /** Set by the first call that fails for a reason every later call would share (no such queue, no access, no region). */
  let fatal: { code: 'SQS_REJECTED' | 'CLIENT_NOT_CONFIGURED'; reason: string } | undefined;
  const refuse = (item: Pending, code: 'SQS_REJECTED' | 'SQS_UNAVAILABLE' | 'CLIENT_NOT_CONFIGURED', reason: string) =>
    settle({ index: item.index, status: 'refused', requestId: item.requestId, code, reason, attempts: item.attempts });

  const sendBatch = async (batch: Pending[], retry: Pending[]): Promise<void> => {
    if (fatal !== undefined) {
      for (const item of batch) refuse(item, fatal.code, fatal.reason);
      return;
    }
    for (const item of batch) item.attempts += 1;
    const byId = new Map(batch.map((item) => [item.entry.id, item]));
    const retryOrGiveUp = (item: Pending, reason: string): void => {
      if (item.attempts < maxAttempts) retry.push(item);
      else refuse(item, 'SQS_UNAVAILABLE', `${reason} (gave up after ${item.attempts} attempts)`);
    };
    try {
      const answer = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: batch.map(({ entry }) => ({ Id: entry.id, MessageBody: entry.body, MessageAttributes: entry.attributes })),
        }),
      );
      for (const success of answer.Successful ?? []) {
        const item = byId.get(success.Id ?? '');
        if (item === undefined || success.MessageId === undefined) continue;
        byId.delete(item.entry.id);
        settle({ index: item.index, status: 'sent', requestId: item.requestId, messageId: success.MessageId, attempts: item.attempts });
      }
      for (const failure of answer.Failed ?? []) {
        const item = byId.get(failure.Id ?? '');
        if (item === undefined) continue;
        byId.delete(item.entry.id);
        const reason = `${failure.Code ?? 'UnknownError'}: ${failure.Message ?? 'no message'}`;
        if (isRetryableEntryFailure(failure)) retryOrGiveUp(item, reason);
        else refuse(item, 'SQS_REJECTED', reason);
      }
      // An entry SQS did not mention was not confirmed: sending it again is the safe side.
      for (const item of byId.values()) retryOrGiveUp(item, 'SQS reported no result for this entry');
    } catch (error) {
      const reason = describeSqsError(error);
      // The same configuration fails every call the same way: no point in sending again.
      if (isClientConfigurationError(error)) {
        fatal ??= {
          code: 'CLIENT_NOT_CONFIGURED',
          reason: `${reason}; fix the AWS configuration (AWS_REGION, AWS_PROFILE or AWS_ACCESS_KEY_ID)`,
        };
      } else if (isRetryableCallError(error)) {
        for (const item of batch) retryOrGiveUp(item, reason);
        return;
      }
      fatal ??= { code: 'SQS_REJECTED', reason };
      for (const item of batch) refuse(item, fatal.code, fatal.reason);
    }
  };

  try {
    for (let round = 1; pending.length > 0; round += 1) {
      if (round > 1) await sleep(backoffDelayMs(round - 1, backoff, random));
      const byEntry = new Map(pending.map((item) => [item.entry, item]));
      const batches = packBatches(
        pending.map((item) => item.entry),
        options.maxBatchBytes ?? MAX_BATCH_BYTES,
      ).map((entries) => entries.map((entry) => byEntry.get(entry)!));
      const retry: Pending[] = [];
      await forEachConcurrently(batches, options.concurrency ?? 4, (batch) => sendBatch(batch, retry));
      pending = retry.sort((a, b) => a.index - b.index);
    }
  } finally {
    // A client made here holds sockets that would keep a CLI process alive.
    if (ownClient) sqs.destroy();
  }
  return results;
}

/** The default client; when the environment names no region, the queue's own (from its URL) is used. */
async function clientForQueue(queueUrl: string): Promise<SQSClient> {
  const sqs = createSqsClient();
  const region = regionOfQueue(queueUrl);
  if (region === undefined) return sqs;
  try {
    await sqs.config.region();
    return sqs;
  } catch {
    sqs.destroy();
    return createSqsClient({ region });
  }
}

async function forEachConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next]!;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
