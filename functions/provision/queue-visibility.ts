import {
  ChangeMessageVisibilityCommand,
  GetQueueUrlCommand,
  type MessageAttributeValue,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { untilDeadline } from '../../shared/aws/aws-calls';
import { type Deadline, MAX_VISIBILITY_TIMEOUT_SECONDS } from '../../shared/runtime/retry';

export interface QueueVisibility {
  /** Keeps the message hidden for this long from now (capped at SQS's 12 hours); gives up at `deadline`. */
  hideFor(message: { eventSourceARN: string; receiptHandle: string }, seconds: number, options?: { deadline?: Deadline }): Promise<void>;
  /**
   * Sends `body` to the record's own queue again, delayed (capped at SQS's 900 s), with these attributes;
   * resolves with the new message's id once SQS has accepted it, and gives up at `deadline`.
   */
  sendAgain(
    message: { eventSourceARN: string; body: string },
    delaySeconds: number,
    attributes: Record<string, MessageAttributeValue>,
    options?: { deadline?: Deadline },
  ): Promise<string>;
}

/** The longest DelaySeconds SQS accepts on a message. */
export const MAX_DELAY_SECONDS = 900;

const QUEUE_ARN = /^arn:[a-z-]+:sqs:[a-z0-9-]+:(\d{12}):(.+)$/;

/**
 * Changes a received message's visibility timeout, or sends its body to its
 * queue again. The queue URL is looked up from the record's queue ARN once per
 * queue: it differs between AWS and a local SQS server, and the SDK's endpoint
 * settings decide which.
 */
export function createQueueVisibility(client: SQSClient): QueueVisibility {
  const urlByArn = new Map<string, Promise<string>>();
  const queueUrl = (arn: string, deadline: Deadline | undefined): Promise<string> => {
    let url = urlByArn.get(arn);
    if (url === undefined) {
      const match = QUEUE_ARN.exec(arn);
      if (!match) return Promise.reject(new Error(`Not an SQS queue ARN: ${arn}`));
      url = client
        .send(new GetQueueUrlCommand({ QueueName: match[2]!, QueueOwnerAWSAccountId: match[1]! }), untilDeadline(deadline))
        .then((answer) => {
          if (!answer.QueueUrl) throw new Error(`GetQueueUrl returned no URL for ${arn}`);
          return answer.QueueUrl;
        });
      url.catch(() => urlByArn.delete(arn));
      urlByArn.set(arn, url);
    }
    return url;
  };
  return {
    async hideFor(message, seconds, options = {}) {
      const VisibilityTimeout = Math.max(0, Math.min(MAX_VISIBILITY_TIMEOUT_SECONDS, Math.ceil(seconds)));
      await client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: await queueUrl(message.eventSourceARN, options.deadline),
          ReceiptHandle: message.receiptHandle,
          VisibilityTimeout,
        }),
        untilDeadline(options.deadline),
      );
    },
    async sendAgain(message, delaySeconds, attributes, options = {}) {
      const answer = await client.send(
        new SendMessageCommand({
          QueueUrl: await queueUrl(message.eventSourceARN, options.deadline),
          MessageBody: message.body,
          DelaySeconds: Math.max(0, Math.min(MAX_DELAY_SECONDS, Math.ceil(delaySeconds))),
          MessageAttributes: attributes,
        }),
        untilDeadline(options.deadline),
      );
      if (!answer.MessageId) throw new Error('SendMessage returned no MessageId');
      return answer.MessageId;
    },
  };
}
