import { type ChildProcess, fork } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT, WORKER_VARIABLES } from './settings';
import type { RotationReport, StackMessage, WorkerBatchReport, WorkerMessage, WorkerStartOptions } from './worker-messages';

/**
 * Starts and stops the local stack's worker: worker-process.ts in a child
 * process, which imports functions/provision/handler.ts as Lambda does, so
 * the handler reads its configuration from its own environment at cold start
 * and writes its logs to its own stdout and stderr (here, the log file).
 */

const WORKER_MODULE = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
/** Importing the handler through tsx takes about a second; a cold tsx cache on a slow machine, a few. */
const START_TIMEOUT_MS = 30_000;
/** Beyond the longest a batch in progress can take (its long poll, then the function timeout). */
const STOP_GRACE_MS = 5_000;

const WORKER_VARIABLE_NAMES = new Set<string>(WORKER_VARIABLES);
/** What the runtime itself needs (Lambda's sets PATH, LANG and TZ); HOME lets the SDK read ~/.aws when AWS is real. */
const RUNTIME_VARIABLES = new Set(['PATH', 'HOME', 'USERPROFILE', 'SystemRoot', 'TMPDIR', 'TEMP', 'TMP', 'LANG', 'TZ']);

/** The worker failed to start: its message is the handler module's (a bad setting names the variable). */
export class WorkerStartError extends Error {
  override readonly name = 'WorkerStartError';
}

export interface WorkerChildOptions {
  /** The worker's whole environment: what a Lambda's configuration and runtime would hold. */
  env: Record<string, string>;
  /** Its stdout and stderr, appended to. */
  logFile: string;
  start: WorkerStartOptions;
  onBatch?: (report: WorkerBatchReport) => void;
}

export interface WorkerChild {
  pid: number;
  /**
   * Invokes the rotation fan-out in the worker process with a `Secret Label Updated` event, as
   * EventBridge's rule invokes the function, and resolves with its answer (never rejects).
   */
  rotate(event: unknown): Promise<RotationReport>;
  /** Asks the worker to finish its batch and exit; kills it if it has not within the bound. Resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * The variables of `env` a Lambda would see: the worker's own (as set in its
 * configuration), the AWS SDK's and Powertools', and the runtime's. Nothing
 * else of the user's environment reaches the worker.
 */
export function lambdaVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined &&
        entry[1] !== '' &&
        (WORKER_VARIABLE_NAMES.has(entry[0]) || RUNTIME_VARIABLES.has(entry[0]) || /^(AWS|POWERTOOLS)_/.test(entry[0])),
    ),
  );
}

/** Forks the worker and resolves once its handler is imported and its poller runs; rejects with the handler's error if not. */
export async function startWorkerChild(options: WorkerChildOptions): Promise<WorkerChild> {
  const logFd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = fork(WORKER_MODULE, [JSON.stringify(options.start)], {
      // tsx is resolved from the repository, wherever the command was run from.
      cwd: REPO_ROOT,
      // Lambda's runtime sets the initialization type; Powertools reads it to mark the first invocation's logs cold_start.
      env: { ...options.env, AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' },
      execArgv: ['--import', 'tsx', '--disable-warning=ExperimentalWarning'],
      stdio: ['ignore', logFd, logFd, 'ipc'],
    });
  } finally {
    // The child holds its own copy.
    closeSync(logFd);
  }
  // A failed spawn emits 'error' and may never close.
  const closed = new Promise<void>((resolve) => {
    child.once('close', () => resolve());
    child.once('error', () => child.pid === undefined && resolve());
  });
  // A stop message to a worker that just exited fails here instead of throwing.
  child.on('error', () => undefined);

  let ready = false;
  let stopRequested = false;
  let failure: string | undefined;
  const rotations = new Map<number, (report: RotationReport) => void>();
  let lastRotation = 0;
  const started = new Promise<void>((resolve, reject) => {
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'batch') options.onBatch?.(message.report);
      else if (message.type === 'rotation') rotations.get(message.id)?.(message.report);
      else if (message.type === 'failed') failure = message.message;
      else if (message.type === 'ready') {
        ready = true;
        resolve();
      }
    });
    child.once(
      'error',
      (error) => child.pid === undefined && reject(new WorkerStartError(`The worker could not be started: ${error.message}`)),
    );
    void closed.then(() =>
      reject(new WorkerStartError(failure ?? `The worker exited (${exitOf(child)}) before it started; see ${options.logFile}`)),
    );
  });
  const startTimer = setTimeout(() => {
    failure = `The worker did not start within ${START_TIMEOUT_MS / 1000} s; see ${options.logFile}`;
    child.kill('SIGKILL');
  }, START_TIMEOUT_MS);
  try {
    await started;
  } catch (error) {
    if (isRunning(child)) child.kill('SIGKILL');
    await closed;
    throw error;
  } finally {
    clearTimeout(startTimer);
  }

  void closed.then(() => {
    for (const answer of rotations.values()) {
      answer({ status: 'failed', errorCode: 'WORKER_EXITED', message: `The worker exited (${exitOf(child)}) before it answered` });
    }
    // Reported as a failed poll is: the records in flight come back when their visibility timeout ends.
    if (ready && !stopRequested) {
      options.onBatch?.({
        received: 0,
        failed: 0,
        deleted: 0,
        handlerError: `The worker exited unexpectedly (${exitOf(child)}); see ${options.logFile}`,
      });
    }
  });
  const stopTimeoutMs = options.start.waitTimeSeconds * 1000 + options.start.functionTimeoutMs + STOP_GRACE_MS;
  let stopping: Promise<void> | undefined;
  const rotationTimeoutMs = options.start.functionTimeoutMs + STOP_GRACE_MS;
  return {
    pid: child.pid!,
    rotate: (event) =>
      new Promise<RotationReport>((resolve) => {
        if (!isRunning(child) || !child.connected) {
          resolve({ status: 'failed', errorCode: 'WORKER_EXITED', message: 'The worker is not running' });
          return;
        }
        lastRotation += 1;
        const id = lastRotation;
        // The function is bounded by its timeout; a worker that does not answer past it is reported, not waited on.
        const timer = setTimeout(
          () => answer({ status: 'failed', errorCode: 'DEADLINE_REACHED', message: `No answer within ${rotationTimeoutMs / 1000} s` }),
          rotationTimeoutMs,
        );
        const answer = (report: RotationReport) => {
          clearTimeout(timer);
          rotations.delete(id);
          resolve(report);
        };
        rotations.set(id, answer);
        child.send({ type: 'secretLabelUpdated', id, event } satisfies StackMessage);
      }),
    stop: () =>
      (stopping ??= (async () => {
        stopRequested = true;
        if (!isRunning(child)) return closed;
        if (child.connected) child.send({ type: 'stop' } satisfies StackMessage);
        else child.kill('SIGKILL');
        const killTimer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
        await closed;
        clearTimeout(killTimer);
      })()),
  };
}

const isRunning = (child: ChildProcess) => child.pid !== undefined && child.exitCode === null && child.signalCode === null;
const exitOf = (child: ChildProcess) => (child.signalCode ? `signal ${child.signalCode}` : `exit code ${child.exitCode}`);
