import { createSqsClient } from '../../shared/aws/sqs-client';
import { type BatchReport, type SqsBatchHandler, startPoller } from '../sqs-poller';
import { invokeRotation } from './rotation-function';
import type { StackMessage, WorkerMessage, WorkerStartOptions } from './worker-messages';

/**
 * The local Lambda: a process of its own that imports the handler module
 * Lambda imports, with the configuration in its environment (set by the local
 * stack, see worker-child.ts), and feeds it from the queue as the event source
 * mapping does. Its stdout and stderr are the handler log file, as a Lambda's
 * are its CloudWatch log stream. Started with `--import tsx`; its one
 * argument is the JSON of WorkerStartOptions.
 */

const { rotationFunctionArn, ...options } = JSON.parse(process.argv[2] ?? '') as WorkerStartOptions;
const pending = new Set<Promise<void>>();

/** Sends to the stack, if it is still there; the promise settles once the message is out. */
function tell(message: WorkerMessage): Promise<void> {
  if (!process.send || !process.connected) return Promise.resolve();
  const sent = new Promise<void>((resolve) => process.send!(message, undefined, undefined, () => resolve()));
  pending.add(sent);
  void sent.then(() => pending.delete(sent));
  return sent;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

// Ctrl-C reaches every process of the terminal's group; the stack decides when the worker stops, after its batch.
process.on('SIGINT', () => undefined);

let handler: SqsBatchHandler;
try {
  // Cold start: the module reads its configuration from process.env, as in Lambda, and a bad setting throws here.
  ({ handler } = await import('../../functions/provision/handler'));
} catch (error) {
  // The init error goes to the log as one JSON line, as Lambda writes it to the function's log stream.
  const { name, stack } = error instanceof Error ? error : { name: typeof error, stack: undefined };
  console.error(
    JSON.stringify({
      timestamp: new Date().toISOString(),
      level: 'ERROR',
      message: 'Uncaught Exception',
      errorType: name,
      errorMessage: messageOf(error),
      stackTrace:
        stack
          ?.split('\n')
          .slice(1)
          .map((line) => line.trim()) ?? [],
    }),
  );
  await tell({ type: 'failed', message: messageOf(error) });
  process.exit(1);
}

const sqs = createSqsClient();
const poller = startPoller({
  sqs,
  handler,
  ...options,
  onBatch: (report: BatchReport) => {
    const { handlerError, ...counts } = report;
    void tell({ type: 'batch', report: { ...counts, ...(handlerError === undefined ? {} : { handlerError: messageOf(handlerError) }) } });
  },
});

const rotations = new Set<Promise<void>>();
let stopping: Promise<void> | undefined;
/** Finishes the batch and the rotations in progress, and exits. */
const stop = () =>
  (stopping ??= (async () => {
    await poller.stop();
    await Promise.all(rotations);
    sqs.destroy();
    await Promise.all(pending);
    process.exit(0);
  })());

process.on('message', (message: StackMessage) => {
  if (message.type === 'stop') void stop();
  else if (message.type === 'secretLabelUpdated' && stopping === undefined) {
    const rotation = invokeRotation(message.event, { functionArn: rotationFunctionArn, functionTimeoutMs: options.functionTimeoutMs }).then(
      (report) => tell({ type: 'rotation', id: message.id, report }),
    );
    rotations.add(rotation);
    void rotation.then(() => rotations.delete(rotation));
  }
});
// The stack is gone (it exited, or was killed): nothing else would stop this process, so it stops itself.
const orphaned = () => {
  setTimeout(() => process.exit(1), options.waitTimeSeconds * 1000 + options.functionTimeoutMs).unref();
  void stop();
};
process.on('disconnect', orphaned);
if (!process.connected) orphaned();

await tell({ type: 'ready' });
