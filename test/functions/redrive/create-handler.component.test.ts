import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHandler } from '../../../functions/redrive/create-handler';
import { readSettings } from '../../../shared/runtime/settings';
import {
  contents,
  createQueuePair,
  deadLetter,
  type QueuePair,
  type RedriveWorld,
  startRedriveWorld,
} from '../../cli/support/redrive-world';

/** The scheduled redrive function against SQS with move tasks (fauxqs behind the move-task stand-in). */
let world: RedriveWorld;
let queues: QueuePair;
beforeAll(async () => {
  world = await startRedriveWorld();
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await world?.close();
});
beforeEach(async () => {
  world.useSqsWithMoveTasks();
  queues = await createQueuePair(world);
});

const context = {
  awsRequestId: 'schedule-1',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:redrive',
  getRemainingTimeInMillis: () => 60_000,
} as Context;
const scheduledHandler = () =>
  createHandler(
    readSettings('redrive', {
      DEAD_LETTER_QUEUE_URL: queues.dlq.url,
      DEAD_LETTER_QUEUE_ARN: queues.dlq.arn,
      DESTINATION_QUEUE_ARN: queues.queue.arn,
      MAX_MESSAGES_PER_SECOND: '5',
    }),
  );
const startsFor = (sourceArn: string) => world.withMoveTasks.startRequests.filter((request) => request.SourceArn === sourceArn);

describe('scheduled redrive', () => {
  it('starts a move task to the provisioning queue at the configured rate when there are dead letters', async () => {
    deadLetter(world, queues.dlq.name, ['{"requestId":"a"}', '{"requestId":"b"}']);
    const result = await scheduledHandler()({}, context);
    expect(result).toEqual({ status: 'started', taskHandle: expect.any(String), deadLetters: 2 });
    expect(startsFor(queues.dlq.arn)).toEqual([
      { SourceArn: queues.dlq.arn, DestinationArn: queues.queue.arn, MaxNumberOfMessagesPerSecond: 5 },
    ]);
    expect(contents(world, queues.queue.name).ready).toHaveLength(2);
  });

  it('starts nothing when the dead-letter queue is empty', async () => {
    expect(await scheduledHandler()({}, context)).toEqual({ status: 'nothing_to_move' });
    expect(startsFor(queues.dlq.arn)).toEqual([]);
  });

  it('leaves a running move task alone instead of starting a second', async () => {
    deadLetter(world, queues.dlq.name, ['{"requestId":"a"}']);
    world.withMoveTasks.seedRunningTask(queues.dlq.arn);
    expect(await scheduledHandler()({}, context)).toMatchObject({
      status: 'already_running',
      message: expect.stringContaining('already running'),
    });
    expect(startsFor(queues.dlq.arn)).toEqual([]);
  });
});

describe('scheduled redrive configuration', () => {
  it('refuses a rate above what SQS allows, naming the variable', () => {
    expect(() =>
      readSettings('redrive', {
        DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q',
        DEAD_LETTER_QUEUE_ARN: 'arn:aws:sqs:eu-west-1:123456789012:dlq',
        DESTINATION_QUEUE_ARN: 'arn:aws:sqs:eu-west-1:123456789012:q',
        MAX_MESSAGES_PER_SECOND: '900',
      }),
    ).toThrow(/MAX_MESSAGES_PER_SECOND must be a whole number from 1 to 500/);
  });
});
