import { parseArgs } from 'node:util';
import { loadExamples } from '../../local/run/examples';
import { followHandBacks } from '../../local/run/hand-backs';
import { DEFAULT_SANDBOX_GROUP } from '../../local/run/local-servers';
import { type LocalStackOptions, startLocalStack } from '../../local/run/local-stack';
import { formatEvent, formatHandBack, formatProgress, formatRotation, formatSummary } from '../../local/run/report';
import { metExpectation, runExamples } from '../../local/run/run-examples';
import { DEFAULT_EXAMPLES_DIR, MAX_VISIBILITY_TIMEOUT_SECONDS, MIN_LOCAL_VISIBILITY_TIMEOUT_SECONDS } from '../../local/run/settings';
import { type Interrupts, listenForInterrupts } from '../interrupts';
import type { CliIo } from '../io';
import { positiveIntFlag, UsageError } from '../usage-error';
import { userPath } from '../user-path';
import { printBanner, printWatchHelp, shown } from './start-report';

/** How long a run waits for every example to settle, by default: the whole run must stay under a minute. */
const DEFAULT_EXAMPLES_TIMEOUT_SECONDS = 45;
/** Fivetran group ids, as the request contract has them. */
const GROUP_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * `start`: runs the provisioner on this machine, sends the examples, prints
 * every event, every record handed back, and a summary, and stops (or, with
 * --watch, keeps polling until interrupted). Exit 1 when an example did not
 * reach its expected outcome; 3 when the run could not keep its events.
 */
export async function startCommand(args: string[], io: CliIo, interrupts: Interrupts = listenForInterrupts(io)): Promise<number> {
  try {
    return await runStart(args, io, interrupts);
  } finally {
    interrupts.dispose();
  }
}

async function runStart(args: string[], io: CliIo, interrupts: Interrupts): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      watch: { type: 'boolean', default: false },
      'no-examples': { type: 'boolean', default: false },
      examples: { type: 'string' },
      groups: { type: 'string' },
      port: { type: 'string' },
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
  const examplesDir = values.examples === undefined ? DEFAULT_EXAMPLES_DIR : userPath(values.examples);
  const examplesTimeoutSeconds = positiveIntFlag('timeout', values.timeout) ?? DEFAULT_EXAMPLES_TIMEOUT_SECONDS;
  const options: LocalStackOptions = {
    ...(values['fivetran-url'] ? { fivetranUrl: values['fivetran-url'] } : {}),
    ...(values['queue-url'] ? { queueUrl: values['queue-url'] } : {}),
    ...(values.aws ? { useAwsServices: true } : {}),
    ...(values['secrets-file'] ? { secretsFile: userPath(values['secrets-file']) } : {}),
    ...(values['run-dir'] ? { runDir: userPath(values['run-dir']) } : {}),
  };
  const visibility = positiveIntFlag(
    'visibility-timeout',
    values['visibility-timeout'],
    MIN_LOCAL_VISIBILITY_TIMEOUT_SECONDS,
    MAX_VISIBILITY_TIMEOUT_SECONDS,
  );
  if (visibility !== undefined) options.visibilityTimeoutSeconds = visibility;
  const maxReceiveCount = positiveIntFlag('max-receive-count', values['max-receive-count'], 1, 1000);
  if (maxReceiveCount !== undefined) options.maxReceiveCount = maxReceiveCount;
  const waitTime = positiveIntFlag('wait-time', values['wait-time'], 0, 20);
  if (waitTime !== undefined) options.waitTimeSeconds = waitTime;
  // Four ports from n (SQS, the AWS stand-in, the sandbox, the ledger): none may be privileged, none past the last.
  const port = positiveIntFlag('port', values.port, 1024, 65_532);
  if (port !== undefined) options.port = port;
  if (values.groups !== undefined) options.sandboxGroups = [DEFAULT_SANDBOX_GROUP, ...groupIds(values.groups)];
  if (values['queue-url'] && (visibility !== undefined || maxReceiveCount !== undefined)) {
    throw new UsageError('--visibility-timeout and --max-receive-count shape a queue made here; an existing --queue-url keeps its own');
  }
  if (values['fivetran-url'] && values.groups !== undefined)
    throw new UsageError('--groups shapes the local sandbox; with --fivetran-url Fivetran has its own groups');
  const examples = values['no-examples'] ? [] : loadExamples(examplesDir);

  // The run ends on an interrupt, or when it can no longer keep its events.
  const failed = new AbortController();
  const stopSignal = AbortSignal.any([interrupts.signal, failed.signal]);
  let eventsFailure: Error | undefined;
  let lastWorkerError: string | undefined;

  const startedAt = Date.now();
  io.out('Starting the provisioner on this machine…');
  const stack = await startLocalStack({
    ...options,
    onEvent: (event) => io.out(formatEvent(event)),
    onRotation: (report, secret) => io.out(formatRotation(report, secret)),
    onEventsFailure: (error) => {
      eventsFailure = error;
      io.err(`Cannot write the events file: ${error.message}. Stopping the run: its outcomes could not be kept.`);
      failed.abort();
    },
    onBatch: (report) => {
      // A worker that cannot poll says so once, not twice a second.
      if (report.handlerError !== undefined && report.handlerError !== lastWorkerError) io.err(`worker: ${String(report.handlerError)}`);
      lastWorkerError = report.handlerError === undefined ? undefined : String(report.handlerError);
    },
  });
  const handBacks = followHandBacks(stack.logFile, (handBack) => io.out(formatHandBack(handBack, stack.maxReceiveCount)));
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
      io.out(`Sending ${examples.length} example requests from ${shown(examplesDir)}/ …`);
      const runs = await runExamples(stack, examples, {
        timeoutMs: examplesTimeoutSeconds * 1000,
        signal: stopSignal,
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
          : `${missed.length} of ${runs.length} examples did not reach their expected outcome; see ${shown(stack.logFile)}.`,
      );
    }
    io.out(`Events (JSON Lines): ${shown(stack.eventsFile)}`);
    io.out(`Handler log (Powertools JSON): ${shown(stack.logFile)}`);
    if (watch && !stopSignal.aborted) {
      printWatchHelp(stack, options.runDir, io);
      await new Promise<void>((resolve) => stopSignal.addEventListener('abort', () => resolve(), { once: true }));
    } else if (interrupts.signal.aborted) {
      exitCode = 130;
    }
  } finally {
    handBacks.stop();
    await stack.stop();
  }
  io.out('Stopped: queues, sandbox and stand-ins closed.');
  return eventsFailure === undefined ? exitCode : 3;
}

function groupIds(list: string): string[] {
  const ids = list
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  const bad = ids.find((id) => !GROUP_ID.test(id));
  if (ids.length === 0 || bad !== undefined) {
    throw new UsageError(
      `--groups takes group ids separated by commas, each 1 to 128 of A-Z a-z 0-9 _ -${bad === undefined ? '' : `; "${bad}" is not one`}`,
    );
  }
  return ids;
}
