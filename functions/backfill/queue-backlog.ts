import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { untilDeadline } from '../../shared/aws/aws-calls';
import type { QueueBacklog } from '../../shared/contracts/backfill-events';
import type { Deadline } from '../../shared/runtime/retry';

/**
 * The provisioning queue's backlog as a run ends, for `Backfill Completed`:
 * requests the run (or an earlier one) enqueued may still be waiting, and
 * the delayed ones wait for Fivetran's rate-limit budget — waiting, not
 * failed. SQS's counts are approximate. Undefined when the queue could not be
 * read in time: the event then says nothing of it rather than something false.
 */
export async function readQueueBacklog(sqs: SQSClient, queueUrl: string, deadline: Deadline): Promise<QueueBacklog | undefined> {
  try {
    const answer = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
      untilDeadline(deadline),
    );
    const count = (
      name: 'ApproximateNumberOfMessages' | 'ApproximateNumberOfMessagesNotVisible' | 'ApproximateNumberOfMessagesDelayed',
    ) => {
      const value = Number(answer.Attributes?.[name]);
      return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
    };
    const waiting = count('ApproximateNumberOfMessages');
    const inFlight = count('ApproximateNumberOfMessagesNotVisible');
    const deferred = count('ApproximateNumberOfMessagesDelayed');
    if (waiting === undefined || inFlight === undefined || deferred === undefined) return undefined;
    return { waiting, inFlight, deferred };
  } catch {
    return undefined;
  }
}
