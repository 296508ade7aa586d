import { parseArgs } from 'node:util';
import { LOCAL_ACCOUNT_ID } from '../../local/aws/aws-stand-in';
import { DEFAULT_RUN_DIR } from '../../local/run/settings';
import { createSqsClient } from '../../shared/aws/sqs-client';
import { MAX_MOVE_RATE } from '../../shared/aws/sqs-move-task';
import { RedriveError } from '../../shared/runtime/errors';
import { defaultOf } from '../../shared/runtime/settings';
import { overrideEnv } from '../env-overrides';
import { readStackFile } from '../local-run-file';
import { isQueueArn } from '../redrive/queue-reference';
import { type RedriveReport, redrive } from '../redrive/redrive';
import { sqsVariablesFor } from '../sqs-target';
import { userPath } from '../user-path';

/** Where the command writes: one line a call. */
export interface RedriveIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The scheduled redrive's default rate too (MAX_MESSAGES_PER_SECOND). */
export const DEFAULT_REDRIVE_RATE = defaultOf('maxMessagesPerSecond');

export const REDRIVE_USAGE = `Usage: npm run cli -- redrive --dlq <queue url|arn> [options]

Moves dead-lettered provisioning requests back to a queue, at a bounded rate.
Uses SQS's StartMessageMoveTask, and refuses to start while a move task already
runs on the dead-letter queue. Where the SQS server lacks that API (the local
one), or with --max, it moves them with receive, send and delete, one batch at a
time, and deletes a message only once its copy was sent.

Options
  --dlq <url|arn>      The dead-letter queue (required).
  --to <url|arn>       Where to move them (default: the queue each message came from;
                       with receive/send/delete, the one queue whose redrive policy
                       names the dead-letter queue). Never the dead-letter queue itself.
  --rate <n>           At most n messages a second, 1 to ${MAX_MOVE_RATE} (default ${DEFAULT_REDRIVE_RATE}).
  --max <n>            Move at most n messages (always receive/send/delete: a move task
                       cannot stop at a count).
  --wait               Wait for the move task to end and report how many moved.
  --run-dir <dir>      For a --dlq ARN of the local run (account ${LOCAL_ACCOUNT_ID}): use the
                       SQS of the "start --watch" running with this directory (default
                       .local-run/).

A http:// queue URL of a local SQS server is called at its own address. Otherwise the
endpoint, region and credentials come from the usual AWS variables (AWS_PROFILE,
AWS_REGION, AWS_ENDPOINT_URL_SQS); with no region set, the queue's own (from its ARN or
AWS URL) is used. Exit 0 when everything was moved (or the move task
started), 1 when a move task already runs or some messages were not moved, 2 on a
command line it cannot act on, 3 when the queues cannot be used.`;

/**
 * `redrive --dlq <url|arn>`: moves dead letters back (see REDRIVE_USAGE) and
 * returns the exit code. Reports on stdout what moved, or the move task's
 * handle; problems go to stderr.
 *
 * @example await runRedrive(['--dlq', dlqArn, '--rate', '20', '--wait'], { stdout: console.log, stderr: console.error }) // 0
 */
export async function runRedrive(args: string[], io: RedriveIo): Promise<number> {
  let options: ReturnType<typeof readOptions>;
  try {
    options = readOptions(args);
  } catch (error) {
    io.stderr(`${(error as Error).message}\n\n${REDRIVE_USAGE}`);
    return 2;
  }
  if (options === 'help') {
    io.stdout(REDRIVE_USAGE);
    return 0;
  }

  const endpoint = overrideEnv(sqsVariables(options.dlq, options.runDir, process.env));
  const sqs = createSqsClient();
  try {
    const report = await redrive({
      sqs,
      deadLetterQueue: options.dlq,
      ...(options.to === undefined ? {} : { destination: options.to }),
      maxMessagesPerSecond: options.rate,
      ...(options.max === undefined ? {} : { maxMessages: options.max }),
      wait: options.wait,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: Date.now,
      onProgress: (text) => io.stderr(text),
    });
    return printReport(report, io);
  } catch (error) {
    if (error instanceof RedriveError) {
      io.stderr(`redrive refused: ${error.code}: ${error.message}`);
      return error.code === 'MOVE_TASK_RUNNING' ? 1 : error.code === 'SAME_QUEUE' ? 2 : 3;
    }
    io.stderr(`redrive failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    return 3;
  } finally {
    // The client holds sockets that would keep the process alive.
    sqs.destroy();
    endpoint.restore();
  }
}

interface RedriveCommandOptions {
  dlq: string;
  to?: string;
  rate: number;
  max?: number;
  wait: boolean;
  runDir: string;
}

function readOptions(args: string[]): RedriveCommandOptions | 'help' {
  const { values, positionals } = parseArgs({
    args,
    options: {
      dlq: { type: 'string' },
      to: { type: 'string' },
      rate: { type: 'string' },
      max: { type: 'string' },
      wait: { type: 'boolean', default: false },
      'run-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new Error(`redrive takes no arguments besides its options, got "${positionals.join(' ')}"`);
  if (values.dlq === undefined || values.dlq === '') throw new Error('redrive needs --dlq <queue url|arn>: the dead-letter queue to empty');
  const rate = wholeNumber('rate', values.rate, 1, MAX_MOVE_RATE) ?? DEFAULT_REDRIVE_RATE;
  const max = wholeNumber('max', values.max, 1, Number.MAX_SAFE_INTEGER);
  if (values.to !== undefined && values.to === values.dlq)
    throw new Error('--to names the dead-letter queue itself; name the queue to move the messages to, or leave --to out');
  if (max !== undefined && values.wait)
    throw new Error('--wait applies to a move task; with --max the command always waits for its own moves');
  return {
    dlq: values.dlq,
    ...(values.to === undefined ? {} : { to: values.to }),
    rate,
    ...(max === undefined ? {} : { max }),
    wait: values.wait,
    runDir: values['run-dir'] === undefined ? DEFAULT_RUN_DIR : userPath(values['run-dir']),
  };
}

function wholeNumber(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new Error(`--${name} must be a whole number from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'any' : max}, got "${value}"`);
  }
  return number;
}

/**
 * The SQS server and region of the dead-letter queue: a URL names them itself
 * (see sqsVariablesFor); an ARN of the local account means the local run's
 * SQS, when one runs with the run directory.
 */
function sqsVariables(dlq: string, runDir: string, env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  if (isQueueArn(dlq) && dlq.split(':')[4] === LOCAL_ACCOUNT_ID && !env.AWS_ENDPOINT_URL_SQS) {
    const stack = readStackFile(runDir);
    if (stack?.sqsEndpoint !== undefined) return sqsVariablesFor(stack.queueUrl, env);
  }
  return sqsVariablesFor(dlq, env);
}

function printReport(report: RedriveReport, io: RedriveIo): number {
  if (report.strategy === 'move-task') {
    const to = report.destination?.arn ?? 'the queues the messages came from';
    io.stdout(`Started a move task from ${report.deadLetterQueue.arn} to ${to}, at most ${report.maxMessagesPerSecond} messages a second.`);
    io.stdout(`Task handle: ${report.taskHandle}`);
    if (report.outcome === undefined) {
      io.stdout(`Follow it with: aws sqs list-message-move-tasks --source-arn ${report.deadLetterQueue.arn}`);
      return 0;
    }
    const { status, moved, toMove, failureReason } = report.outcome;
    io.stdout(
      `Move task ${status}: ${moved}${toMove === undefined ? '' : ` of ${toMove}`} message(s) moved${failureReason ? ` (${failureReason})` : ''}.`,
    );
    return status === 'COMPLETED' ? 0 : 1;
  }
  const why = report.reason === 'max-messages' ? 'at most the --max asked for' : 'the SQS server has no move tasks';
  io.stdout(
    `Moved ${report.moved} message(s) from ${report.deadLetterQueue.url} to ${report.destinationUrl} with receive, send and delete (${why}).`,
  );
  if (report.notSent > 0) io.stdout(`${report.notSent} message(s) could not be sent; they are still in the dead-letter queue.`);
  if (report.notDeleted > 0)
    io.stdout(`${report.notDeleted} message(s) were sent but not deleted; they are in both queues (the worker will not provision twice).`);
  for (const failure of report.failures) io.stdout(`  ${failure.messageId}: ${failure.reason}`);
  if (report.stoppedBecause === 'no-progress') io.stdout('Stopped: the last batch moved nothing.');
  return report.notSent + report.notDeleted === 0 ? 0 : 1;
}
