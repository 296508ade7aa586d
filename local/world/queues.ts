import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** The provisioning queue as the poller and the outcome tracker need it. */
export interface ProvisioningQueues {
  queueUrl: string;
  queueArn: string;
  /** Undefined when the queue has no redrive policy. */
  dlqUrl: string | undefined;
  maxReceiveCount: number | undefined;
  visibilityTimeoutSeconds: number;
}

/** Thrown when an existing queue given with --queue-url cannot be used. */
export class QueueSetupError extends Error {
  override readonly name = 'QueueSetupError';
  readonly code = 'QUEUE_SETUP_FAILED';
}

/**
 * Creates the queue and its dead-letter queue wired as the CDK stack wires
 * them (infra/constructs/provisioning-queue.ts): a redrive policy with
 * `maxReceiveCount`, and the given visibility timeout.
 */
export async function createProvisioningQueues(
  sqs: SQSClient,
  names: { queue: string; deadLetterQueue: string },
  settings: { visibilityTimeoutSeconds: number; maxReceiveCount: number },
  queueAttributes: Record<string, string> = {},
): Promise<ProvisioningQueues> {
  const dlq = await sqs.send(
    new CreateQueueCommand({ QueueName: names.deadLetterQueue, Attributes: { MessageRetentionPeriod: String(14 * 86_400) } }),
  );
  const dlqArn = await queueArnOf(sqs, dlq.QueueUrl!);
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: names.queue,
      Attributes: {
        VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(4 * 86_400),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: settings.maxReceiveCount }),
        ...queueAttributes,
      },
    }),
  );
  return {
    queueUrl: queue.QueueUrl!,
    queueArn: await queueArnOf(sqs, queue.QueueUrl!),
    dlqUrl: dlq.QueueUrl!,
    maxReceiveCount: settings.maxReceiveCount,
    visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
  };
}

/** Reads an existing queue's ARN, redrive policy and visibility timeout, and finds its dead-letter queue. */
export async function describeQueue(sqs: SQSClient, queueUrl: string): Promise<ProvisioningQueues> {
  let attributes: Record<string, string>;
  try {
    const answer = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn', 'RedrivePolicy', 'VisibilityTimeout'] }),
    );
    attributes = answer.Attributes ?? {};
  } catch (error) {
    throw new QueueSetupError(`Cannot read the queue ${queueUrl} (${(error as Error).name}: ${(error as Error).message})`);
  }
  const queueArn = attributes.QueueArn;
  if (queueArn === undefined) throw new QueueSetupError(`The queue ${queueUrl} reported no QueueArn`);
  let dlqUrl: string | undefined;
  let maxReceiveCount: number | undefined;
  if (attributes.RedrivePolicy !== undefined) {
    const policy = JSON.parse(attributes.RedrivePolicy) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
    maxReceiveCount = policy.maxReceiveCount === undefined ? undefined : Number(policy.maxReceiveCount);
    const [, , , , account, name] = (policy.deadLetterTargetArn ?? '').split(':');
    if (account !== undefined && name !== undefined) {
      const answer = await sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }));
      dlqUrl = answer.QueueUrl;
    }
  }
  return { queueUrl, queueArn, dlqUrl, maxReceiveCount, visibilityTimeoutSeconds: Number(attributes.VisibilityTimeout ?? 30) };
}

/** The ARN of a queue (from its attributes). */
export async function queueArnOf(sqs: SQSClient, queueUrl: string): Promise<string> {
  const answer = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = answer.Attributes?.QueueArn;
  if (arn === undefined) throw new QueueSetupError(`The queue ${queueUrl} reported no QueueArn`);
  return arn;
}
