import {
  GetQueueAttributesCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DEFERRAL_ATTRIBUTES } from '../../shared/contracts/deferral';

/** A message to send: its body and string message attributes. */
export interface SentMessage {
  body: string;
  attributes?: Record<string, string>;
}

export interface DeadLetter {
  messageId: string;
  /** The message the request first came as: its own id, or the one a deferral recorded (shared/contracts/deferral.ts). */
  originalMessageId?: string;
  body: string;
  receiveCount: number;
}

/** Sends the messages in batches of ten (one at a time when a body is large); returns their message ids in order. */
export async function sendMessages(sqs: SQSClient, queueUrl: string, messages: readonly SentMessage[]): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < messages.length; ) {
    const chunk = takeChunk(messages, start);
    if (chunk.length === 1) {
      const answer = await sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: chunk[0]!.body, MessageAttributes: attributesOf(chunk[0]!) }),
      );
      ids.push(answer.MessageId!);
    } else {
      const answer = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((message, index) => ({
            Id: String(index),
            MessageBody: message.body,
            MessageAttributes: attributesOf(message),
          })),
        }),
      );
      if (answer.Failed?.length)
        throw new Error(`SendMessageBatch refused ${answer.Failed.length} message(s): ${answer.Failed[0]?.Message}`);
      const byEntry = new Map((answer.Successful ?? []).map((entry) => [entry.Id, entry.MessageId!]));
      ids.push(...chunk.map((_, index) => byEntry.get(String(index))!));
    }
    start += chunk.length;
  }
  return ids;
}

/**
 * Waits until the queue holds nothing visible, in flight or delayed: every
 * message was deleted or moved to the dead-letter queue. Bounded: resolves
 * false when `timeoutMs` passes first.
 */
export async function waitUntilDrained(sqs: SQSClient, queueUrl: string, timeoutMs: number): Promise<boolean> {
  const giveUpAt = Date.now() + timeoutMs;
  while (Date.now() < giveUpAt) {
    const { Attributes: counts = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    const left =
      Number(counts.ApproximateNumberOfMessages) +
      Number(counts.ApproximateNumberOfMessagesNotVisible) +
      Number(counts.ApproximateNumberOfMessagesDelayed);
    if (left === 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

/** Receives every message of a dead-letter queue once (hiding each for ten minutes, longer than any test). */
export async function readDeadLetters(sqs: SQSClient, dlqUrl: string): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  // Each receive hides what it returns, so every letter is read once; 1,000 rounds bound the loop.
  for (let round = 0; round < 1_000; round += 1) {
    const answer = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 600,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        MessageAttributeNames: [DEFERRAL_ATTRIBUTES.originalMessageId],
      }),
    );
    const messages = answer.Messages ?? [];
    if (messages.length === 0) break;
    letters.push(
      ...messages.map((message) => ({
        messageId: message.MessageId!,
        originalMessageId: message.MessageAttributes?.[DEFERRAL_ATTRIBUTES.originalMessageId]?.StringValue ?? message.MessageId!,
        body: message.Body ?? '',
        receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
      })),
    );
  }
  return letters;
}

/** Up to ten messages that fit one SendMessageBatch (256 KiB in all), or a single large one. */
function takeChunk(messages: readonly SentMessage[], start: number): SentMessage[] {
  const chunk: SentMessage[] = [];
  let bytes = 0;
  for (let index = start; index < messages.length && chunk.length < 10; index += 1) {
    const size = Buffer.byteLength(messages[index]!.body);
    if (chunk.length > 0 && bytes + size > 200 * 1024) break;
    chunk.push(messages[index]!);
    bytes += size;
    if (bytes > 200 * 1024) break;
  }
  return chunk;
}

function attributesOf(message: SentMessage): Record<string, MessageAttributeValue> | undefined {
  if (message.attributes === undefined) return undefined;
  return Object.fromEntries(Object.entries(message.attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]));
}
