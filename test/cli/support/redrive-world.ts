import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { vi } from 'vitest';
import { startSqsWithMoveTasks, type SqsWithMoveTasks } from '../../../local/aws/sqs-move-tasks';

export const REGION = 'eu-west-1';

/**
 * Two SQS servers on loopback: fauxqs as it is (no move tasks: the local
 * case) and the same fauxqs behind a stand-in that adds move tasks (the AWS
 * case). Tests point AWS_ENDPOINT_URL_SQS at one or the other.
 */
export interface RedriveWorld {
  fauxqs: Awaited<ReturnType<typeof startFauxqs>>;
  withMoveTasks: SqsWithMoveTasks;
  /** A client straight to fauxqs, for setting up and inspecting queues. */
  admin: SQSClient;
  useLocalSqs(): void;
  useSqsWithMoveTasks(): void;
  close(): Promise<void>;
}

export async function startRedriveWorld(): Promise<RedriveWorld> {
  const fauxqs = await startFauxqs({ port: 0, logger: false });
  const withMoveTasks = await startSqsWithMoveTasks(fauxqs.address, REGION);
  vi.stubEnv('AWS_REGION', REGION);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  const admin = new SQSClient({ endpoint: fauxqs.address, region: REGION, useQueueUrlAsEndpoint: false });
  return {
    fauxqs,
    withMoveTasks,
    admin,
    useLocalSqs: () => vi.stubEnv('AWS_ENDPOINT_URL_SQS', fauxqs.address),
    useSqsWithMoveTasks: () => vi.stubEnv('AWS_ENDPOINT_URL_SQS', withMoveTasks.url),
    async close() {
      vi.unstubAllEnvs();
      admin.destroy();
      await withMoveTasks.close();
      await fauxqs.stop();
    },
  };
}

export interface QueuePair {
  queue: { name: string; url: string; arn: string };
  dlq: { name: string; url: string; arn: string };
}

/** A provisioning queue and its dead-letter queue, wired as the stack wires them; names unique per call. */
export async function createQueuePair(world: RedriveWorld, queueAttributes: Record<string, string> = {}): Promise<QueuePair> {
  const prefix = `redrive-${randomUUID().slice(0, 8)}`;
  const create = async (name: string, attributes: Record<string, string>) => {
    const url = (await world.admin.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
    const arn = (await world.admin.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    return { name, url, arn };
  };
  const dlq = await create(`${prefix}-dlq`, {});
  const queue = await create(`${prefix}-queue`, {
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 }),
    ...queueAttributes,
  });
  return { queue, dlq };
}

/** Puts dead letters straight into a queue, each with the request contract's version attribute. */
export function deadLetter(world: RedriveWorld, queueName: string, bodies: readonly string[]): void {
  for (const body of bodies) {
    world.fauxqs.sendMessage(queueName, body, { region: REGION, messageAttributes: { requestSchemaVersion: { DataType: 'String', StringValue: '1' } } });
  }
}

/** What a queue holds, without receiving: ready bodies and the number in flight. */
export function contents(world: RedriveWorld, queueName: string) {
  const queue = world.fauxqs.inspectQueue(queueName)!;
  return {
    ready: queue.messages.ready.map((message) => ({ body: message.body, schemaVersion: message.messageAttributes?.requestSchemaVersion?.StringValue })),
    inFlight: queue.messages.inflight.length,
  };
}

/** A CLI io that records what the command wrote. */
export function recordingIo() {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { io: { stdout: (text: string) => stdout.push(text), stderr: (text: string) => stderr.push(text) }, stdout, stderr };
}
