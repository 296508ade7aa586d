import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ProvisioningQueueProps {
  /** Visibility timeout of the provisioning queue; the stack derives it from the function timeout. */
  readonly visibilityTimeout: Duration;
  /** Deliveries of a request before SQS moves it to the dead-letter queue. */
  readonly maxReceiveCount: number;
}

/**
 * The provisioning queue upstream systems send requests to, and its
 * dead-letter queue. Both use SQS-managed SSE: the messages carry no secret
 * values (requests reference credentials by secret name), so a customer-managed
 * KMS key would add cost and a key policy without protecting anything more.
 */
export class ProvisioningQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ProvisioningQueueProps) {
    super(scope, id);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // A standard queue keeps the original enqueue time when it dead-letters a message, so the DLQ
      // must keep messages longer than the source queue or they expire before anyone looks at them.
      retentionPeriod: Duration.days(14),
    });

    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
  }
}
