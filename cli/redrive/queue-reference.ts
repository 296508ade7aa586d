import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { describeSqsError, isClientConfigurationError } from '../../shared/aws/sqs-client';
import { RedriveError } from '../../shared/runtime/errors';

/** A queue known by both names: move tasks take ARNs, message operations take URLs. */
export interface QueueReference {
  url: string;
  arn: string;
}

const QUEUE_ARN = /^arn:[a-z-]+:sqs:[a-z0-9-]+:(\d{12}):([A-Za-z0-9_-]{1,80}(?:\.fifo)?)$/;

/** True for an SQS queue ARN such as arn:aws:sqs:eu-west-1:123456789012:provisioning-dlq. */
export function isQueueArn(value: string): boolean {
  return QUEUE_ARN.test(value);
}

/**
 * Resolves a queue given by URL or ARN into both: the ARN of a URL through
 * GetQueueAttributes, the URL of an ARN through GetQueueUrl (with the owner
 * account, so a queue of another account works too).
 *
 * @example await resolveQueue(sqs, 'arn:aws:sqs:eu-west-1:123456789012:provisioning-dlq')
 * // { url: 'https://sqs.eu-west-1.amazonaws.com/123456789012/provisioning-dlq', arn: 'arn:aws:sqs:…' }
 */
export async function resolveQueue(sqs: SQSClient, urlOrArn: string): Promise<QueueReference> {
  const arnParts = QUEUE_ARN.exec(urlOrArn);
  try {
    if (arnParts !== null) {
      const answer = await sqs.send(new GetQueueUrlCommand({ QueueName: arnParts[2], QueueOwnerAWSAccountId: arnParts[1] }));
      if (answer.QueueUrl === undefined) throw new Error('GetQueueUrl answered without a QueueUrl');
      return { url: answer.QueueUrl, arn: urlOrArn };
    }
    const answer = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: urlOrArn, AttributeNames: ['QueueArn'] }));
    const arn = answer.Attributes?.QueueArn;
    if (arn === undefined) throw new Error('GetQueueAttributes answered without a QueueArn');
    return { url: urlOrArn, arn };
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (isClientConfigurationError(error)) throw notConfigured(error);
    if (name === 'QueueDoesNotExist' || name.includes('NonExistentQueue')) {
      throw new RedriveError('QUEUE_NOT_FOUND', `There is no queue ${urlOrArn} (or it is in another region than the SDK's)`, {
        cause: error,
      });
    }
    throw new RedriveError('SQS_FAILED', `Could not look up the queue ${urlOrArn} (${describeSqsError(error)})`, { cause: error });
  }
}

/** What to set when the SDK could not even call SQS. */
function notConfigured(error: unknown): RedriveError {
  const message = error instanceof Error ? error.message : String(error);
  const fix = /Region is missing/.test(message)
    ? 'no AWS region is set: set AWS_REGION (or use a profile with a region), or name the queue by its ARN or AWS URL, which hold the region'
    : 'set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
  return new RedriveError('CLIENT_NOT_CONFIGURED', `Cannot call SQS (${message}): ${fix}`, { cause: error });
}
