import {
  DeleteMessageBatchCommand,
  type DeleteMessageBatchCommandOutput,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { describeSqsError } from '../../shared/aws/sqs-client';

export interface BatchMoveOptions {
  sqs: SQSClient;
  fromUrl: string;
  toUrl: string;
  /** At most this many messages a second. */
  maxMessagesPerSecond: number;
  /** Stop after receiving this many; default: until the queue is empty. */
  maxMessages?: number;
  /** How long received messages stay hidden: a message whose send failed reappears after it. Default 60 s. */
  visibilityTimeoutSeconds?: number;
  /** Long polling of each receive; 1 s asks every SQS server, so an empty answer means an empty queue. */
  receiveWaitSeconds?: number;
  sleep(ms: number): Promise<void>;
  now(): number;
  onBatch?(progress: BatchMoveReport): void;
}

export interface BatchMoveReport {
  /** Sent to the destination and deleted from the source. */
  moved: number;
  /** Not sent: still in the source queue, visible again after the visibility timeout. */
  notSent: number;
  /** Sent but not deleted: now in both queues (the worker's look-before-create makes the copy harmless). */
  notDeleted: number;
  /** The first reasons a message was not moved, by message id. */
  failures: Array<{ messageId: string; reason: string }>;
  stoppedBecause: 'empty' | 'max-reached' | 'no-progress';
}

const MAX_REPORTED_FAILURES = 20;

/**
 * Moves messages with basic operations, for an SQS server without
 * StartMessageMoveTask: ReceiveMessage, SendMessageBatch to the destination
 * (body and message attributes, so `requestSchemaVersion` travels along),
 * then DeleteMessageBatch of exactly the entries whose send succeeded. A
 * message is never deleted before its copy is in the destination; the worst
 * outcome of a fault is a message in both queues, never one in neither.
 * One batch at a time, paced to `maxMessagesPerSecond`, until the source is
 * empty, `maxMessages` were received, or a batch moved nothing.
 *
 * @example await moveInBatches({ sqs, fromUrl: dlqUrl, toUrl: queueUrl, maxMessagesPerSecond: 10, sleep, now: Date.now })
 * // { moved: 42, notSent: 0, notDeleted: 0, failures: [], stoppedBecause: 'empty' }
 */
export async function moveInBatches(options: BatchMoveOptions): Promise<BatchMoveReport> {
  const report: BatchMoveReport = { moved: 0, notSent: 0, notDeleted: 0, failures: [], stoppedBecause: 'empty' };
  const fail = (messageId: string | undefined, reason: string) => {
    if (report.failures.length < MAX_REPORTED_FAILURES) report.failures.push({ messageId: messageId ?? 'unknown', reason });
  };
  const startedAt = options.now();
  let received = 0;
  let sentTotal = 0;

  for (;;) {
    const budget = options.maxMessages === undefined ? 10 : Math.min(10, options.maxMessages - received);
    if (budget <= 0) return { ...report, stoppedBecause: 'max-reached' };
    const answer = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.fromUrl,
        MaxNumberOfMessages: Math.max(1, Math.min(budget, Math.floor(options.maxMessagesPerSecond))),
        VisibilityTimeout: options.visibilityTimeoutSeconds ?? 60,
        WaitTimeSeconds: options.receiveWaitSeconds ?? 1,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = answer.Messages ?? [];
    if (messages.length === 0) return report;
    received += messages.length;

    const sent = await sendCopies(options, messages, (message, reason) => {
      report.notSent += 1;
      fail(message.MessageId, reason);
    });
    const deleted = await deleteOriginals(options, sent, (message, reason) => {
      report.notDeleted += 1;
      fail(message.MessageId, `sent, but not deleted from the source (${reason})`);
    });
    report.moved += deleted;
    sentTotal += sent.length;
    options.onBatch?.({ ...report, failures: [...report.failures] });
    // A batch that moved nothing would fail the same way again: stop rather than spin.
    if (deleted === 0) return { ...report, stoppedBecause: 'no-progress' };

    // Paced on what reached the destination: that is the load the worker sees.
    const dueMs = startedAt + (sentTotal / options.maxMessagesPerSecond) * 1000;
    const waitMs = dueMs - options.now();
    if (waitMs > 0) await options.sleep(waitMs);
  }
}

async function sendCopies(
  options: BatchMoveOptions,
  messages: readonly Message[],
  notSent: (message: Message, reason: string) => void,
): Promise<Message[]> {
  const byId = new Map(messages.map((message, index) => [`m${index}`, message]));
  let answer: SendMessageBatchCommandOutput;
  try {
    answer = await options.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: options.toUrl,
        Entries: [...byId].map(([id, message]) => ({
          Id: id,
          MessageBody: message.Body ?? '',
          ...(message.MessageAttributes === undefined ? {} : { MessageAttributes: sendableAttributes(message.MessageAttributes) }),
        })),
      }),
    );
  } catch (error) {
    for (const message of messages) notSent(message, describeSqsError(error));
    return [];
  }
  for (const failure of answer.Failed ?? []) {
    const message = byId.get(failure.Id ?? '');
    if (message !== undefined) notSent(message, `${failure.Code ?? 'UnknownError'}: ${failure.Message ?? 'no message'}`);
  }
  // Only entries SQS confirmed count as sent; one it did not mention stays in the source.
  const confirmed = new Set((answer.Successful ?? []).map((success) => success.Id));
  const failed = new Set((answer.Failed ?? []).map((failure) => failure.Id));
  for (const [id, message] of byId) if (!confirmed.has(id) && !failed.has(id)) notSent(message, 'SQS reported no result for this entry');
  return [...byId].filter(([id]) => confirmed.has(id)).map(([, message]) => message);
}

async function deleteOriginals(
  options: BatchMoveOptions,
  sent: readonly Message[],
  notDeleted: (message: Message, reason: string) => void,
): Promise<number> {
  if (sent.length === 0) return 0;
  const byId = new Map(sent.map((message, index) => [`m${index}`, message]));
  let answer: DeleteMessageBatchCommandOutput;
  try {
    answer = await options.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: options.fromUrl,
        Entries: [...byId].map(([id, message]) => ({ Id: id, ReceiptHandle: message.ReceiptHandle })),
      }),
    );
  } catch (error) {
    for (const message of sent) notDeleted(message, describeSqsError(error));
    return 0;
  }
  for (const failure of answer.Failed ?? []) {
    const message = byId.get(failure.Id ?? '');
    if (message !== undefined) notDeleted(message, `${failure.Code ?? 'UnknownError'}: ${failure.Message ?? 'no message'}`);
  }
  return (answer.Successful ?? []).length;
}

/** SendMessage accepts only the value fields SQS currently supports: string and binary values. */
function sendableAttributes(attributes: Record<string, MessageAttributeValue>): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      {
        DataType: value.DataType,
        ...(value.StringValue === undefined ? {} : { StringValue: value.StringValue }),
        ...(value.BinaryValue === undefined ? {} : { BinaryValue: value.BinaryValue }),
      },
    ]),
  );
}
