import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createHandler } from '../../functions/provision/create-handler';
import { type PollerOptions, startPoller } from '../../local/sqs-poller';
import { applyEnv } from '../../local/world/env';
import { FAKE_PAT, GROUP_CREDENTIALS } from '../../local/world/fixtures';
import { sendMessages } from '../../local/world/messages';
import { createProvisioningQueues } from '../../local/world/queues';
import { createSqsClient } from '../../shared/aws/sqs-client';
import { DEPLOYED, deployedSettings } from './deployed';
import { type ServiceAddresses, startServicesChild } from './services-child';

export { DEPLOYED } from './deployed';

/**
 * Starts the world in a child process with the benchmark's secrets, points
 * this process's AWS SDK at it until stop, and opens an SQS client.
 */
export async function startBenchServices(options: { createRateLimit?: { limit: number; windowMs: number } } = {}) {
  const services = await startServicesChild({ secrets: { [`${GROUP_CREDENTIALS}team`]: FAKE_PAT }, ...options });
  const overrides = applyEnv(services.addresses.env);
  const sqs = createSqsClient();
  return {
    ...services,
    sqs,
    async stop() {
      sqs.destroy();
      await services.stop();
      overrides.restore();
    },
  };
}

/** A provisioning queue with its dead-letter queue, wired like the stack's, with the deployed settings. */
export async function createQueues(sqs: SQSClient, name: string) {
  return createProvisioningQueues(sqs, { queue: name, deadLetterQueue: `${name}-dlq` }, DEPLOYED);
}

/** Sends message bodies ten at a time. */
export async function sendAll(sqs: SQSClient, queueUrl: string, bodies: readonly unknown[]): Promise<void> {
  await sendMessages(
    sqs,
    queueUrl,
    bodies.map((body) => ({ body: JSON.stringify(body) })),
  );
}

/** The real handler fed by the local poller, configured like the deployed stack. */
export function startWorker(addresses: ServiceAddresses, sqs: SQSClient, queue: { queueUrl: string; queueArn: string }) {
  const [, , , region, account] = queue.queueArn.split(':');
  const handler = createHandler(deployedSettings(addresses.fivetran), {
    logger: new Logger({ serviceName: 'bench', logLevel: 'ERROR' }),
  });
  const options: PollerOptions = {
    sqs,
    queueUrl: queue.queueUrl,
    queueArn: queue.queueArn,
    handler,
    batchSize: DEPLOYED.batchSize,
    waitTimeSeconds: 1,
    functionArn: `arn:aws:lambda:${region}:${account}:function:bench`,
  };
  const poller = startPoller(options);
  return {
    async stop() {
      await poller.stop();
    },
  };
}
