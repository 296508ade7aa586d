import { GetQueueAttributesCommand, ListDeadLetterSourceQueuesCommand, ListQueuesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { describeSqsError } from '../../shared/aws/sqs-client';
import { RedriveError } from '../../shared/runtime/errors';
import { isMissingOperation } from './missing-operation';
import type { QueueReference } from './queue-reference';

/**
 * URLs of the queues whose redrive policy names `deadLetterQueue`: where its
 * messages came from. Uses ListDeadLetterSourceQueues; on an SQS server that
 * lacks it (the local one) it reads every queue's RedrivePolicy instead.
 *
 * @example await deadLetterSourceQueues(sqs, dlq) // ['https://sqs.eu-west-1.amazonaws.com/123456789012/provisioning']
 */
export async function deadLetterSourceQueues(sqs: SQSClient, deadLetterQueue: QueueReference): Promise<string[]> {
  try {
    const urls: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sqs.send(
        new ListDeadLetterSourceQueuesCommand({ QueueUrl: deadLetterQueue.url, MaxResults: 1000, NextToken: nextToken }),
      );
      urls.push(...(page.queueUrls ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    return urls;
  } catch (error) {
    if (!isMissingOperation(error)) {
      throw new RedriveError('SQS_FAILED', `Could not list the source queues of ${deadLetterQueue.url} (${describeSqsError(error)})`, {
        cause: error,
      });
    }
  }
  return scanRedrivePolicies(sqs, deadLetterQueue.arn);
}

async function scanRedrivePolicies(sqs: SQSClient, deadLetterQueueArn: string): Promise<string[]> {
  const sources: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sqs.send(new ListQueuesCommand({ MaxResults: 1000, NextToken: nextToken }));
    for (const url of page.QueueUrls ?? []) {
      const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy'] }));
      const policy = attributes.Attributes?.RedrivePolicy;
      if (policy === undefined) continue;
      const target = (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn;
      if (target === deadLetterQueueArn) sources.push(url);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return sources;
}

/**
 * The one queue to move dead letters back to: the only source of the
 * dead-letter queue. None, or several, is a fault the caller resolves by naming the queue.
 *
 * @example await singleSourceQueue(sqs, dlq) // 'https://sqs.eu-west-1.amazonaws.com/123456789012/provisioning'
 */
export async function singleSourceQueue(sqs: SQSClient, deadLetterQueue: QueueReference): Promise<string> {
  const sources = await deadLetterSourceQueues(sqs, deadLetterQueue);
  if (sources.length === 1) return sources[0]!;
  if (sources.length === 0) {
    throw new RedriveError(
      'NO_SOURCE_QUEUE',
      `No queue uses ${deadLetterQueue.arn} as its dead-letter queue; name the destination with --to`,
    );
  }
  throw new RedriveError(
    'AMBIGUOUS_SOURCE_QUEUE',
    `${sources.length} queues use ${deadLetterQueue.arn} as their dead-letter queue (${sources.join(', ')}); name the destination with --to`,
  );
}
