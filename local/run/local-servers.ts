import type { SQSClient } from '@aws-sdk/client-sqs';
import { createProvisioningQueues } from '../world/queues';
import { LOCAL_DLQ_NAME, LOCAL_QUEUE_NAME } from './settings';

/** The one group the sandbox has unless told of more. */
export const DEFAULT_SANDBOX_GROUP = 'sandbox_group';

/**
 * The local queues, with URLs at fauxqs's own address. fauxqs names a queue
 * http://sqs.<region>.127.0.0.1:PORT/…, a host no resolver knows; it finds a
 * queue by the name in the URL's path, so http://127.0.0.1:PORT/… is the same
 * queue, and works for any client, the AWS CLI included. `address` is fauxqs's,
 * undefined for an SQS server of the user's.
 */
export async function createLocalQueues(
  sqs: SQSClient,
  address: string | undefined,
  visibilityTimeoutSeconds: number,
  maxReceiveCount: number,
) {
  const queues = await createProvisioningQueues(
    sqs,
    { queue: LOCAL_QUEUE_NAME, deadLetterQueue: LOCAL_DLQ_NAME },
    { visibilityTimeoutSeconds, maxReceiveCount },
  );
  // An SQS server the user pointed AWS_ENDPOINT_URL_SQS at keeps its own URLs.
  if (address === undefined) return queues;
  // Not new URL(): a host whose last label is a number must be an IPv4 address to WHATWG, so sqs.<region>.127.0.0.1 is no URL to it.
  const atAddress = (url: string) => `${address}${url.replace(/^https?:\/\/[^/]+/, '')}`;
  return { ...queues, queueUrl: atAddress(queues.queueUrl), dlqUrl: queues.dlqUrl === undefined ? undefined : atAddress(queues.dlqUrl) };
}
