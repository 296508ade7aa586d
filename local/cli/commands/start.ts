import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { loadExamples } from '../../run/examples';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../run/local-stack';
import { formatEvent, formatProgress, formatSummary } from '../../run/report';
import { metExpectation, runExamples } from '../../run/run-examples';
import { DEFAULT_EXAMPLES_DIR, DEPLOYED_VISIBILITY_TIMEOUT_SECONDS } from '../../run/settings';
import type { CliIo } from '../io';
import { positiveIntFlag, UsageError } from '../usage-error';

/** How long a run waits for every example to settle, by default: the whole run must stay under a minute. */
const DEFAULT_EXAMPLES_TIMEOUT_SECONDS = 45;

/** Resolves on the first Ctrl-C (or SIGTERM); a second one exits at once. */
export interface Interrupts {
  signal: AbortSignal;
  dispose(): void;
}

export function listenForInterrupts(io: Pick<CliIo, 'err'>): Interrupts {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) {
      io.err('Interrupted twice: exiting without a clean shutdown');
      process.exit(130);
    }
    io.err('Stopping (Ctrl-C again to exit at once)…');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * `start`: runs the provisioner on this machine, sends the examples, prints
 * every event and a summary, and stops (or, with --watch, keeps polling until
 * Ctrl-C). Exit 1 when an example did not reach its expected outcome.
 */
export async function startCommand(args: string[], io: CliIo, interrupts: Interrupts = listenForInterrupts(io)): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      watch: { type: 'boolean', default: false },
      'no-examples': { type: 'boolean', default: false },
      examples: { type: 'string', default: DEFAULT_EXAMPLES_DIR },
      'fivetran-url': { type: 'string' },
      'queue-url': { type: 'string' },
      aws: { type: 'boolean', default: false },
      'secrets-file': { type: 'string' },
      'visibility-timeout': { type: 'string' },
      'max-receive-count': { type: 'string' },
      'wait-time': { type: 'string' },
      timeout: { type: 'string' },
      'run-dir': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const examplesTimeoutSeconds = positiveIntFlag('timeout', values.timeout) ?? DEFAULT_EXAMPLES_TIMEOUT_SECONDS;
  const options: LocalStackOptions = {
    ...(values['fivetran-url'] ? { fivetranUrl: values['fivetran-url'] } : {}),
    ...(values['queue-url'] ? { queueUrl: values['queue-url'] } : {}),
    ...(values.aws ? { useAwsServices: true } : {}),
    ...(values['secrets-file'] ? { secretsFile: values['secrets-file'] } : {}),
    ...(values['run-dir'] ? { runDir: values['run-dir'] } : {}),
  };
  const visibility = positiveIntFlag('visibility-timeout', values['visibility-timeout'], 0);
  if (visibility !== undefined) options.visibilityTimeoutSeconds = visibility;
  const maxReceiveCount = positiveIntFlag('max-receive-count', values['max-receive-count']);
  if (maxReceiveCount !== undefined) options.maxReceiveCount = maxReceiveCount;
  const waitTime = positiveIntFlag('wait-time', values['wait-time'], 0);
  if (waitTime !== undefined) options.waitTimeSeconds = waitTime;
  if (values['queue-url'] && (visibility !== undefined || maxReceiveCount !== undefined)) {
    throw new UsageError('--visibility-timeout and --max-receive-count shape a queue made here; an existing --queue-url keeps its own');
  }
  const examples = values['no-examples'] ? [] : loadExamples(values.examples);

  const startedAt = Date.now();
  io.out('Starting the provisioner on this machine…');
  const stack = await startLocalStack({ ...options, onEvent: (event) => io.out(formatEvent(event)) });
  let exitCode = 0;
  try {
    printBanner(stack, io);
    const runnable = stack.local.fivetran && stack.local.events;
    // With nothing to send, the run is there to be fed from another terminal.
    let watch = values.watch || values['no-examples'];
    if (examples.length > 0 && !runnable) {
      io.out('Not sending the examples: they need the local Fivetran sandbox and event sink. Polling the queue until Ctrl-C.');
      watch = true;
    } else if (examples.length > 0) {
      io.out(`Sending ${examples.length} example requests from ${rel(values.examples)}/ …`);
      const runs = await runExamples(stack, examples, {
        timeoutMs: examplesTimeoutSeconds * 1000,
        signal: interrupts.signal,
        onProgress: (current) => io.status(formatProgress(current, Date.now() - startedAt)),
      });
      io.out('');
      io.out(formatSummary(runs));
      io.out('');
      const missed = runs.filter((run) => !metExpectation(run));
      if (missed.length > 0) exitCode = 1;
      io.out(
        missed.length === 0
          ? `All ${runs.length} examples reached their expected outcome in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`
          : `${missed.length} of ${runs.length} examples did not reach their expected outcome; see ${rel(stack.logFile)}.`,
      );
    }
    io.out(`Events (JSON Lines): ${rel(stack.eventsFile)}`);
    io.out(`Handler log (Powertools JSON): ${rel(stack.logFile)}`);
    if (watch && !interrupts.signal.aborted) {
      io.out('');
      io.out(`Watching ${stack.queueUrl}. From another terminal:`);
      io.out('  npx fivetran-provisioner enqueue examples/more-requests.jsonl');
      io.out('Ctrl-C stops everything.');
      await new Promise<void>((resolve) => interrupts.signal.addEventListener('abort', () => resolve(), { once: true }));
    } else if (interrupts.signal.aborted) {
      exitCode = 130;
    }
  } finally {
    await stack.stop();
    interrupts.dispose();
  }
  io.out('Stopped: queues, sandbox and stand-ins closed.');
  return exitCode;
}

function printBanner(stack: LocalStack, io: CliIo): void {
  const where = (isLocal: boolean, endpoint: string) => `${endpoint}${isLocal ? ' (local)' : ''}`;
  io.out(`  SQS              ${where(stack.local.sqs, stack.endpoints.sqs)}`);
  io.out(`    queue          ${stack.queueUrl}`);
  io.out(`    dead-letter    ${stack.dlqUrl ?? '(none)'}  after ${stack.maxReceiveCount} receives`);
  io.out(
    `    visibility     ${stack.visibilityTimeoutSeconds} s${stack.local.sqs ? ` (deployed: ${DEPLOYED_VISIBILITY_TIMEOUT_SECONDS} s; short here so retries show within the run)` : ''}`,
  );
  io.out(`  Fivetran API     ${where(stack.local.fivetran, stack.endpoints.fivetran)}${stack.local.fivetran ? ' sandbox' : ''}`);
  io.out(`  Secrets Manager  ${where(stack.local.secrets, stack.endpoints.secretsManager)}`);
  io.out(`  EventBridge      ${where(stack.local.events, stack.endpoints.eventBridge)}  bus ${stack.config.eventBusName}`);
  io.out('  Worker           functions/provision handler, fed by a local SQS event source mapping');
}

function rel(path: string): string {
  const relativePath = relative(process.cwd(), path);
  return relativePath.startsWith('..') ? path : relativePath;
}
