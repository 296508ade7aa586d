import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { vi } from 'vitest';
import type { SqsWithMoveTasks } from '../../../local/aws/sqs-move-tasks';
import { createProvisioningQueues } from '../../../local/world/queues';
import { type Fauxqs, startWorld } from '../../../local/world/world';

export const REGION = 'eu-west-1';

/**
 * Two SQS servers on loopback, from the world: fauxqs as it is (no move
 * tasks: the local case) and the same fauxqs behind the stand-in that adds
 * move tasks (the AWS case). Tests point AWS_ENDPOINT_URL_SQS at one or the other.
 */
export interface RedriveWorld {
  fauxqs: Fauxqs;
  withMoveTasks: SqsWithMoveTasks;
  /** A client straight to fauxqs, for setting up and inspecting queues. */
  admin: SQSClient;
  useLocalSqs(): void;
  useSqsWithMoveTasks(): void;
  close(): Promise<void>;
}

export async function startRedriveWorld(): Promise<RedriveWorld> {
  const world = await startWorld({ sqs: { moveTasks: true }, region: REGION });
  const fauxqs = world.fauxqs!;
  const withMoveTasks = world.moveTasks!;
  return {
    fauxqs,
    withMoveTasks,
    admin: world.sqs!,
    useLocalSqs: () => vi.stubEnv('AWS_ENDPOINT_URL_SQS', fauxqs.address),
    useSqsWithMoveTasks: () => vi.stubEnv('AWS_ENDPOINT_URL_SQS', withMoveTasks.url),
    async close() {
      vi.unstubAllEnvs();
      await world.stop();
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
  const names = { queue: `${prefix}-queue`, deadLetterQueue: `${prefix}-dlq` };
  const queues = await createProvisioningQueues(world.admin, names, { visibilityTimeoutSeconds: 30, maxReceiveCount: 5 }, queueAttributes);
  const dlqArn = queues.queueArn.replace(/[^:]+$/, names.deadLetterQueue);
  return {
    queue: { name: names.queue, url: queues.queueUrl, arn: queues.queueArn },
    dlq: { name: names.deadLetterQueue, url: queues.dlqUrl!, arn: dlqArn },
  };
}

/** Puts dead letters straight into a queue, each with the request contract's version attribute. */
export function deadLetter(world: RedriveWorld, queueName: string, bodies: readonly string[]): void {
  for (const body of bodies) {
    world.fauxqs.sendMessage(queueName, body, {
      region: REGION,
      messageAttributes: { requestSchemaVersion: { DataType: 'String', StringValue: '1' } },
    });
  }
}

/** What a queue holds, without receiving: ready bodies and the number in flight. */
export function contents(world: RedriveWorld, queueName: string) {
  const queue = world.fauxqs.inspectQueue(queueName)!;
  return {
    ready: queue.messages.ready.map((message) => ({
      body: message.body,
      schemaVersion: message.messageAttributes?.requestSchemaVersion?.StringValue,
    })),
    inFlight: queue.messages.inflight.length,
  };
}

/** A CLI io that records what the command wrote. */
export function recordingIo() {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { io: { stdout: (text: string) => stdout.push(text), stderr: (text: string) => stderr.push(text) }, stdout, stderr };
}
