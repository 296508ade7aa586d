import type { SQSClient } from '@aws-sdk/client-sqs';
import { type MoveTaskStatus, startMoveTask, waitForMoveTask } from '../../shared/aws/sqs-move-task';
import { RedriveError } from '../../shared/runtime/errors';
import { type BatchMoveReport, moveInBatches } from './batch-move';
import { singleSourceQueue } from './dead-letter-sources';
import { isMissingOperation } from './missing-operation';
import { type QueueReference, resolveQueue } from './queue-reference';

export interface RedriveOptions {
  sqs: SQSClient;
  /** URL or ARN of the dead-letter queue. */
  deadLetterQueue: string;
  /** URL or ARN of the queue to move to; default: where the messages came from. */
  destination?: string;
  maxMessagesPerSecond: number;
  /**
   * Move at most this many. A move task cannot stop at a count, so a maximum
   * selects the receive/send/delete strategy even where move tasks exist.
   */
  maxMessages?: number;
  /** Wait for a move task to end and report what it moved. */
  wait?: boolean;
  sleep(ms: number): Promise<void>;
  now(): number;
  pollIntervalMs?: number;
  receiveWaitSeconds?: number;
  /** A line of progress for a person watching. */
  onProgress?(text: string): void;
}

export type RedriveReport =
  | {
      strategy: 'move-task';
      deadLetterQueue: QueueReference;
      /** Absent: every message goes back to the queue it was dead-lettered from. */
      destination?: QueueReference;
      taskHandle: string;
      maxMessagesPerSecond: number;
      /** How the task ended, when the caller waited for it. */
      outcome?: MoveTaskStatus;
    }
  | ({
      strategy: 'receive-send-delete';
      deadLetterQueue: QueueReference;
      destinationUrl: string;
      /** Why this strategy: the server lacks move tasks, or a maximum was asked for. */
      reason: 'no-move-task-api' | 'max-messages';
    } & BatchMoveReport);

/**
 * Moves dead-lettered requests back to a queue. Prefers SQS's own move task
 * (StartMessageMoveTask at a bounded rate, refused while another runs); on an
 * SQS server without that API, or when a maximum count is asked for, moves
 * them with receive, send, delete, one batch at a time, deleting nothing
 * before its copy was sent. Throws RedriveError (MOVE_TASK_RUNNING,
 * QUEUE_NOT_FOUND, NO_SOURCE_QUEUE, …) for what stops it from starting.
 *
 * @example
 * await redrive({ sqs, deadLetterQueue: dlqArn, maxMessagesPerSecond: 10, sleep, now: Date.now })
 * // { strategy: 'move-task', taskHandle: 'eyJ…', … }
 */
export async function redrive(options: RedriveOptions): Promise<RedriveReport> {
  const { sqs } = options;
  const deadLetterQueue = await resolveQueue(sqs, options.deadLetterQueue);
  const destination = options.destination === undefined ? undefined : await resolveQueue(sqs, options.destination);
  if (destination?.arn === deadLetterQueue.arn) {
    throw new RedriveError(
      'SAME_QUEUE',
      `The destination ${options.destination} is the dead-letter queue itself; name the queue to move the messages to, or leave --to out`,
    );
  }

  if (options.maxMessages === undefined) {
    try {
      const taskHandle = await startMoveTask({
        sqs,
        sourceArn: deadLetterQueue.arn,
        ...(destination === undefined ? {} : { destinationArn: destination.arn }),
        maxMessagesPerSecond: options.maxMessagesPerSecond,
      });
      options.onProgress?.(`Started move task ${taskHandle}`);
      const started = {
        strategy: 'move-task' as const,
        deadLetterQueue,
        ...(destination === undefined ? {} : { destination }),
        taskHandle,
        maxMessagesPerSecond: options.maxMessagesPerSecond,
      };
      if (!options.wait) return started;
      const outcome = await waitForMoveTask(sqs, deadLetterQueue.arn, taskHandle, {
        sleep: options.sleep,
        pollIntervalMs: options.pollIntervalMs ?? 5_000,
        onProgress: (status) => options.onProgress?.(`Moving: ${status.moved}${status.toMove === undefined ? '' : ` of ${status.toMove}`}`),
      });
      return { ...started, outcome };
    } catch (error) {
      if (!isMissingOperation(error)) throw error;
      options.onProgress?.('This SQS server has no StartMessageMoveTask: moving the messages with receive, send and delete instead');
    }
  }

  const destinationUrl = destination?.url ?? (await singleSourceQueue(sqs, deadLetterQueue));
  const moved = await moveInBatches({
    sqs,
    fromUrl: deadLetterQueue.url,
    toUrl: destinationUrl,
    maxMessagesPerSecond: options.maxMessagesPerSecond,
    ...(options.maxMessages === undefined ? {} : { maxMessages: options.maxMessages }),
    ...(options.receiveWaitSeconds === undefined ? {} : { receiveWaitSeconds: options.receiveWaitSeconds }),
    sleep: options.sleep,
    now: options.now,
    onBatch: (progress) => options.onProgress?.(`Moved ${progress.moved}`),
  });
  return {
    strategy: 'receive-send-delete',
    deadLetterQueue,
    destinationUrl,
    reason: options.maxMessages === undefined ? 'no-move-task-api' : 'max-messages',
    ...moved,
  };
}
