import * as z from 'zod/mini';
import { positiveIntSetting, readEnvironment } from '../../shared/runtime/environment';
import { MAX_MOVE_RATE } from '../../shared/aws/sqs-move-task';

const queueArn = z.string({ error: 'is required: an SQS queue ARN' }).check(
  z.regex(/^arn:[a-z-]+:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,80}$/, { error: 'must be an SQS queue ARN' }),
);

const environmentSchema = z.object({
  DEAD_LETTER_QUEUE_URL: z.url({ error: 'is required: the URL of the dead-letter queue' }),
  DEAD_LETTER_QUEUE_ARN: queueArn,
  DESTINATION_QUEUE_ARN: queueArn,
  MAX_MESSAGES_PER_SECOND: positiveIntSetting(10, MAX_MOVE_RATE),
});

export type RedriveConfig = Readonly<{
  deadLetterQueueUrl: string;
  deadLetterQueueArn: string;
  destinationQueueArn: string;
  maxMessagesPerSecond: number;
}>;

/**
 * Reads the scheduled redrive function's settings once, at cold start.
 *
 * @example loadRedriveConfig({ DEAD_LETTER_QUEUE_URL: url, DEAD_LETTER_QUEUE_ARN: dlqArn, DESTINATION_QUEUE_ARN: queueArn })
 */
export function loadRedriveConfig(env: NodeJS.ProcessEnv = process.env): RedriveConfig {
  const e = readEnvironment(environmentSchema, env);
  return Object.freeze({
    deadLetterQueueUrl: e.DEAD_LETTER_QUEUE_URL,
    deadLetterQueueArn: e.DEAD_LETTER_QUEUE_ARN,
    destinationQueueArn: e.DESTINATION_QUEUE_ARN,
    maxMessagesPerSecond: e.MAX_MESSAGES_PER_SECOND,
  });
}
