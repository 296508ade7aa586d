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
  /** The rotation fan-out's, which the worker process also runs (see rotation-function.ts). */
  rotationFunctionArn: string;
}

/** A batch as the poller saw it; an error crosses the process boundary as its message. */
export interface WorkerBatchReport {
  received: number;
  failed: number;
  deleted: number;
  handlerError?: string;
}

/** What the rotation fan-out answered one `Secret Label Updated` event with; an error crosses as its code and message. */
export type RotationReport =
  | { status: 'ignored'; reason: string; secretName: string }
  | { status: 'dropped'; errorCode: string }
  | { status: 'enqueued'; secretName: string; versionId: string; connections: number; requestIds: string[] }
  | { status: 'failed'; errorCode: string; message: string };

export type WorkerMessage =
  /** The handler module was imported and the poller runs. */
  | { type: 'ready' }
  /** The handler module failed at import (a bad setting, named in the message); the worker exits non-zero. */
  | { type: 'failed'; message: string }
  | { type: 'batch'; report: WorkerBatchReport }
  /** The answer to the `secretLabelUpdated` message with the same id. */
  | { type: 'rotation'; id: number; report: RotationReport };

export type StackMessage =
  /** Asks the worker to finish its batch, clear middy's cache and exit 0. */
  | { type: 'stop' }
  /** A `Secret Label Updated` event, for the rotation fan-out, as EventBridge's rule would invoke it. */
  | { type: 'secretLabelUpdated'; id: number; event: unknown };
