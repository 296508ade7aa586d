/**
 * What the local stack and its worker process (worker-process.ts) tell each
 * other. The worker's start options travel as its one argument, in JSON; the
 * rest over the IPC channel `fork` opens.
 */

/** What the event source mapping needs to feed the handler: the queue and the function's shape. */
export interface WorkerStartOptions {
  queueUrl: string;
  queueArn: string;
  batchSize: number;
  waitTimeSeconds: number;
  functionTimeoutMs: number;
  functionArn: string;
}

/** A batch as the poller saw it; an error crosses the process boundary as its message. */
export interface WorkerBatchReport {
  received: number;
  failed: number;
  deleted: number;
  handlerError?: string;
}

export type WorkerMessage =
  /** The handler module was imported and the poller runs. */
  | { type: 'ready' }
  /** The handler module failed at import (a bad setting, named in the message); the worker exits non-zero. */
  | { type: 'failed'; message: string }
  | { type: 'batch'; report: WorkerBatchReport };

/** Asks the worker to finish its batch, clear middy's cache and exit 0. */
export type StackMessage = { type: 'stop' };
