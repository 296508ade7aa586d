import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { LIFECYCLE_REQUEST_SCHEMA_VERSION } from '../../shared/contracts/lifecycle-request';
import { REQUEST_SCHEMA_VERSION } from '../../shared/contracts/request';
import { enqueue, REQUEST_SCHEMA_VERSION_ATTRIBUTE, validateRequest } from '../../shared/producer';
import { type Example, faultRuleFor } from './examples';
import type { LocalStack } from './local-stack';
import { progressOf, type SentRequest, type Settled } from './outcomes';

export interface ExampleRun {
  example: Example;
  /** Set once it is on the queue. */
  sent?: SentRequest;
  /** Why it could not be put on the queue. */
  sendError?: string;
  /** RETRIES_EXHAUSTED seen, the record not yet in the dead-letter queue. */
  exhausted?: boolean;
  settled?: Settled;
  /** Set when the run ended before this example settled. */
  timedOut?: boolean;
}

export interface RunExamplesOptions {
  /** Overall limit for every example to settle. */
  timeoutMs: number;
  /** Called whenever an example's state may have changed. */
  onProgress?: (runs: readonly ExampleRun[]) => void;
  /** How often outcomes are looked at. Default 100 ms. */
  checkEveryMs?: number;
  /** Ends the wait early (Ctrl-C); examples not settled by then are reported as such. */
  signal?: AbortSignal;
}

/** Thrown when the stack cannot run examples: their outcomes must be observable and their faults injectable. */
export class ExamplesNotRunnableError extends Error {
  override readonly name = 'ExamplesNotRunnableError';
  readonly code = 'EXAMPLES_NOT_RUNNABLE';
}

/**
 * Sends the examples through the queue and waits until each has a terminal
 * outcome (an event, or its record in the dead-letter queue) or the time is up.
 *
 * Creates without a fault go first, together. Each create with a fault goes
 * afterwards on its own, with the fault armed just before: the sandbox applies
 * a fault to whichever create comes next, so nothing else may be in flight.
 * Lifecycle examples go last, once the connections they act on are made, in
 * waves (see lifecycleWaves) so that two of them never race on one connection.
 * A valid request is sent with the producer client; an invalid one (which the
 * producer refuses) is sent raw, to show what the worker does with it.
 */
export async function runExamples(stack: LocalStack, examples: readonly Example[], options: RunExamplesOptions): Promise<ExampleRun[]> {
  if (!stack.local.events)
    throw new ExamplesNotRunnableError('Examples need the local event sink to see outcomes; EventBridge is not local');
  const runs: ExampleRun[] = examples.map((example) => ({ example }));
  const deadline = Date.now() + options.timeoutMs;
  const report = () => options.onProgress?.(runs);

  const creates = runs.filter((run) => run.example.action === 'create');
  const plain = creates.filter((run) => run.example.fault === undefined);
  const faulted = creates.filter((run) => run.example.fault !== undefined);
  if (faulted.length > 0 && stack.sandbox === undefined) {
    throw new ExamplesNotRunnableError('Examples with a fault need the local Fivetran sandbox; drop them or the --fivetran-url');
  }

  await send(stack, plain);
  report();
  await settle(stack, plain, deadline, options, report);
  for (const run of faulted) {
    if (Date.now() >= deadline || options.signal?.aborted) break;
    stack.sandbox!.injectFault(faultRuleFor(run.example.fault!));
    try {
      await send(stack, [run]);
      report();
      await settle(stack, [run], deadline, options, report);
    } finally {
      stack.sandbox!.clearFaults();
    }
  }
  for (const wave of lifecycleWaves(runs.filter((run) => run.example.action !== 'create'))) {
    if (Date.now() >= deadline || options.signal?.aborted) break;
    await send(stack, wave);
    report();
    await settle(stack, wave, deadline, options, report);
  }
  for (const run of runs) if (!run.settled && !run.sendError) run.timedOut = true;
  report();
  return runs;
}

/**
 * Lifecycle examples in the order they can be sent: the first wave holds the
 * first example on each connection, the second the second, and so on, each
 * in manifest order. Requests on one connection then act in the order the
 * manifest gives (a queue does not keep order), while requests on different
 * connections travel together. Connections are told apart by their `target`
 * as written: one named once by requestId and once by connectionId is two.
 */
export function lifecycleWaves<T extends { example: Pick<Example, 'targetKey'> }>(runs: readonly T[]): T[][] {
  const waves: T[][] = [];
  const seen = new Map<string, number>();
  for (const run of runs) {
    const key = run.example.targetKey ?? '';
    const wave = seen.get(key) ?? 0;
    seen.set(key, wave + 1);
    if (wave === waves.length) waves.push([]);
    waves[wave]!.push(run);
  }
  return waves;
}

/** Whether an example ended as its manifest says it must. */
export function metExpectation(run: ExampleRun): boolean {
  return run.settled?.outcome === run.example.expect;
}

async function send(stack: LocalStack, runs: ExampleRun[]): Promise<void> {
  const valid = runs.filter((run) => validateRequest(run.example.request).ok);
  const sinceEvent = stack.events.length;
  if (valid.length > 0) {
    const results = await enqueue(
      valid.map((run) => run.example.request),
      { queueUrl: stack.queueUrl, sqsClient: stack.sqs },
    );
    results.forEach((result, index) => {
      const run = valid[index]!;
      if (result.status === 'sent') run.sent = { requestId: run.example.requestId, messageId: result.messageId, sinceEvent };
      else run.sendError = `${result.code}: ${result.reason}`;
    });
  }
  for (const run of runs.filter((candidate) => !valid.includes(candidate))) {
    try {
      const answer = await stack.sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.queueUrl,
          MessageBody: JSON.stringify(run.example.request),
          MessageAttributes: {
            [REQUEST_SCHEMA_VERSION_ATTRIBUTE]: {
              DataType: 'String',
              // As the producer would send it, were it valid: the worker then refuses it for its fields, not its version.
              StringValue: run.example.action === 'create' ? REQUEST_SCHEMA_VERSION : LIFECYCLE_REQUEST_SCHEMA_VERSION,
            },
          },
        }),
      );
      run.sent = { requestId: run.example.requestId, messageId: answer.MessageId!, sinceEvent };
    } catch (error) {
      run.sendError = `${(error as Error).name}: ${(error as Error).message}`;
    }
  }
}

async function settle(
  stack: LocalStack,
  runs: ExampleRun[],
  deadline: number,
  options: RunExamplesOptions,
  report: () => void,
): Promise<void> {
  for (;;) {
    const deadLetters = stack.deadLetters?.();
    let changed = false;
    for (const run of runs) {
      if (run.settled || !run.sent) continue;
      const progress = progressOf(run.sent, stack.events, deadLetters);
      if (progress.state === 'settled') {
        run.settled = progress.settled;
        run.exhausted = false;
        changed = true;
      } else if (progress.state === 'exhausted' && !run.exhausted) {
        run.exhausted = true;
        changed = true;
      }
    }
    if (changed) report();
    if (runs.every((run) => run.settled || !run.sent) || Date.now() >= deadline || options.signal?.aborted) return;
    await new Promise((resolve) => setTimeout(resolve, options.checkEveryMs ?? 100));
  }
}
