import {
  ListMessageMoveTasksCommand,
  type ListMessageMoveTasksResultEntry,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { RedriveError } from '../runtime/errors';

/** SQS's ceiling for MaxNumberOfMessagesPerSecond. */
export const MAX_MOVE_RATE = 500;

export interface MoveTaskStatus {
  status: string;
  /** Messages moved so far (SQS's approximate count). */
  moved: number;
  /** Messages the task set out to move, when SQS says. */
  toMove?: number;
  failureReason?: string;
}

export interface StartMoveTaskOptions {
  sqs: SQSClient;
  /** ARN of the dead-letter queue to empty. */
  sourceArn: string;
  /** ARN of the queue to move to; absent: each message goes back to the queue it was dead-lettered from. */
  destinationArn?: string;
  /** At most this many messages a second (1 to 500), so the worker is not flooded after an outage. */
  maxMessagesPerSecond: number;
}

/**
 * The running move task of a dead-letter queue, if any. SQS allows one at a
 * time; starting a second is refused here, before SQS would be asked.
 *
 * @example await runningMoveTask(sqs, dlqArn) // { TaskHandle: 'eyJ…', Status: 'RUNNING', … } or undefined
 */
export async function runningMoveTask(sqs: SQSClient, sourceArn: string): Promise<ListMessageMoveTasksResultEntry | undefined> {
  const answer = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 10 }));
  return (answer.Results ?? []).find((task) => task.Status === 'RUNNING');
}

/**
 * Starts a StartMessageMoveTask at a bounded rate, after checking with
 * ListMessageMoveTasks that none runs (MOVE_TASK_RUNNING otherwise, naming
 * the running task). Returns the task handle. SDK errors pass through
 * unchanged, so a caller can tell a server that lacks the API.
 *
 * @example await startMoveTask({ sqs, sourceArn: dlqArn, destinationArn: queueArn, maxMessagesPerSecond: 10 }) // 'eyJ0YXNrSWQ…'
 */
export async function startMoveTask(options: StartMoveTaskOptions): Promise<string> {
  const running = await runningMoveTask(options.sqs, options.sourceArn);
  if (running !== undefined) {
    throw new RedriveError(
      'MOVE_TASK_RUNNING',
      `A move task is already running on ${options.sourceArn} (${running.ApproximateNumberOfMessagesMoved ?? 0} of ${
        running.ApproximateNumberOfMessagesToMove ?? '?'
      } moved; task handle ${running.TaskHandle ?? 'unknown'}); wait for it to finish, or cancel it with aws sqs cancel-message-move-task --task-handle <handle>`,
    );
  }
  const answer = await options.sqs.send(
    new StartMessageMoveTaskCommand({
      SourceArn: options.sourceArn,
      ...(options.destinationArn === undefined ? {} : { DestinationArn: options.destinationArn }),
      MaxNumberOfMessagesPerSecond: options.maxMessagesPerSecond,
    }),
  );
  if (answer.TaskHandle === undefined) throw new RedriveError('SQS_FAILED', 'StartMessageMoveTask answered without a task handle');
  return answer.TaskHandle;
}

export interface WaitOptions {
  sleep(ms: number): Promise<void>;
  /** Between two ListMessageMoveTasks calls. */
  pollIntervalMs: number;
  onProgress?(status: MoveTaskStatus): void;
}

/**
 * Polls ListMessageMoveTasks until the task started with `taskHandle` is no
 * longer RUNNING, and returns how it ended. SQS shows the handle only on a
 * running task, so once it is gone the task is the newest one of the queue
 * (no other can have started meanwhile: one runs at a time).
 *
 * @example await waitForMoveTask(sqs, dlqArn, handle, { sleep, pollIntervalMs: 5_000 }) // { status: 'COMPLETED', moved: 42, toMove: 42 }
 */
export async function waitForMoveTask(
  sqs: SQSClient,
  sourceArn: string,
  taskHandle: string,
  options: WaitOptions,
): Promise<MoveTaskStatus> {
  for (;;) {
    const answer = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 10 }));
    const tasks = answer.Results ?? [];
    const ours = tasks.find((task) => task.TaskHandle === taskHandle) ?? newest(tasks);
    if (ours === undefined) throw new RedriveError('SQS_FAILED', `ListMessageMoveTasks no longer lists the task on ${sourceArn}`);
    const status = statusOf(ours);
    if (status.status !== 'RUNNING') return status;
    options.onProgress?.(status);
    await options.sleep(options.pollIntervalMs);
  }
}

function newest(tasks: readonly ListMessageMoveTasksResultEntry[]): ListMessageMoveTasksResultEntry | undefined {
  return [...tasks].sort((a, b) => (b.StartedTimestamp ?? 0) - (a.StartedTimestamp ?? 0))[0];
}

function statusOf(task: ListMessageMoveTasksResultEntry): MoveTaskStatus {
  return {
    status: task.Status ?? 'UNKNOWN',
    moved: task.ApproximateNumberOfMessagesMoved ?? 0,
    ...(task.ApproximateNumberOfMessagesToMove === undefined ? {} : { toMove: task.ApproximateNumberOfMessagesToMove }),
    ...(task.FailureReason === undefined ? {} : { failureReason: task.FailureReason }),
  };
}
