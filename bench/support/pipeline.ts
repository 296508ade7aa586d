import { Logger } from '@aws-lambda-powertools/logger';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createProvisionHandler } from '../../functions/provision/create-handler';
import { type PollerOptions, startPoller } from '../../local/sqs-poller';
import { createSqsClient } from '../../shared/aws/sqs-client';
import { defaultsFor, readSettings } from '../../shared/runtime/settings';
import { BENCH_API_KEY, BENCH_API_SECRET_ID, BENCH_CREDENTIALS, BENCH_PREFIX } from './local-services';
import { type ServiceAddresses, startServicesChild } from './services-child';

/** The deployed stack's defaults (infra/provisioner-stack.ts), so the benchmark measures what runs on AWS. */
const TABLE = defaultsFor('local');
/** The deployed stack's defaults (the settings table's); the visibility timeout as the stack derives it. */
export const DEPLOYED = {
  batchSize: TABLE.batchSize!,
  recordConcurrency: TABLE.recordConcurrency!,
  visibilityTimeoutSeconds: 6 * TABLE.functionTimeoutSeconds! + TABLE.maxBatchingWindowSeconds!,
  maxReceiveCount: TABLE.maxReceiveCount!,
};

/**
 * Starts the services in a child process with the benchmark's secrets, points
 * this process's AWS SDK at them, and opens an SQS client.
 */
export async function startBenchServices(options: { createRateLimit?: { limit: number; windowMs: number } } = {}) {
  const services = await startServicesChild({
    secrets: {
      [BENCH_API_SECRET_ID]: JSON.stringify(BENCH_API_KEY),
      [`${BENCH_CREDENTIALS}team`]: JSON.stringify({ personal_access_token: 'bench-token-not-real' }),
    },
    ...options,
  });
  useServices(services.addresses);
  const sqs = createSqsClient();
  return {
    ...services,
    sqs,
    async stop() {
      sqs.destroy();
      await services.stop();
    },
  };
}

/** Points this process's AWS SDK at the child's services. */
export function useServices(addresses: ServiceAddresses): void {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_SQS: addresses.sqs,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: addresses.aws,
    AWS_ENDPOINT_URL_EVENTBRIDGE: addresses.aws,
  });
}

/** A provisioning queue with its dead-letter queue, wired like the stack's. */
export async function createQueues(sqs: SQSClient, name: string) {
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!
    .QueueArn!;
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(DEPLOYED.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: String(DEPLOYED.maxReceiveCount) }),
      },
    }),
  );
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!
    .QueueArn!;
  return { queueUrl: queue.QueueUrl!, queueArn };
}

/** Sends message bodies ten at a time. */
export async function sendAll(sqs: SQSClient, queueUrl: string, bodies: readonly unknown[]): Promise<void> {
  for (let start = 0; start < bodies.length; start += 10) {
    const entries = bodies.slice(start, start + 10).map((body, i) => ({ Id: String(i), MessageBody: JSON.stringify(body) }));
    const answer = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    if (answer.Failed?.length) throw new Error(`SendMessageBatch failed for ${answer.Failed.length} entries`);
  }
}

/** The real handler fed by the local poller, configured like the deployed stack. */
export function startWorker(addresses: ServiceAddresses, sqs: SQSClient, queue: { queueUrl: string; queueArn: string }) {
  const config = readSettings('provision', {
    FIVETRAN_API_URL: addresses.fivetran,
    FIVETRAN_API_SECRET_ID: BENCH_API_SECRET_ID,
    CREDENTIALS_SECRET_PREFIX: BENCH_PREFIX,
    EVENT_BUS_NAME: 'bench-bus',
    RECORD_CONCURRENCY: String(DEPLOYED.recordConcurrency),
    MAX_RECEIVE_COUNT: String(DEPLOYED.maxReceiveCount),
  });
  const handler = createProvisionHandler(config, { logger: new Logger({ serviceName: 'bench', logLevel: 'ERROR' }) });
  const options: PollerOptions = {
    sqs,
    ...queue,
    handler,
    batchSize: DEPLOYED.batchSize,
    waitTimeSeconds: 1,
    functionArn: `arn:aws:lambda:us-east-1:${queue.queueArn.split(':')[4]}:function:bench`,
  };
  const poller = startPoller(options);
  return {
    async stop() {
      await poller.stop();
    },
  };
}
