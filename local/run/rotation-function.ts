import type { Context } from 'aws-lambda';
import { CodedError } from '../../shared/runtime/errors';
import type { RotationReport } from './worker-messages';

/**
 * The rotation fan-out as the local run invokes it, inside the worker
 * process: the Lambda's own handler module (functions/rotation/handler.ts),
 * imported when the first `Secret Label Updated` event arrives, as Lambda
 * loads a function on its first invocation, so it reads its configuration
 * from the worker's environment (queue URL, credentials prefix, ledger) and
 * writes its logs beside the worker's, in the handler log.
 */

type EventHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface RotationFunctionOptions {
  functionArn: string;
  functionTimeoutMs: number;
}

let handler: Promise<EventHandler> | undefined;
let invocations = 0;

/** Invokes the fan-out with one event and answers with its result; never throws (a failure is a report, as EventBridge records it). */
export async function invokeRotation(event: unknown, options: RotationFunctionOptions): Promise<RotationReport> {
  try {
    handler ??= import('../../functions/rotation/handler').then((module) => module.handler as EventHandler);
    invocations += 1;
    return (await (
      await handler
    )(event, contextFor(options, invocations))) as RotationReport;
  } catch (error) {
    return {
      status: 'failed',
      errorCode: error instanceof CodedError ? error.code : 'INTERNAL_ERROR',
      message: error instanceof Error ? error.message : String(error),
    };
  }
}

function contextFor(options: RotationFunctionOptions, invocation: number): Context {
  const startedAt = Date.now();
  return {
    functionName: options.functionArn.split(':').pop() ?? 'local',
    functionVersion: '$LATEST',
    invokedFunctionArn: options.functionArn,
    memoryLimitInMB: '256',
    awsRequestId: `local-rotation-${invocation}-${startedAt}`,
    logGroupName: '/local/rotation',
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, options.functionTimeoutMs - (Date.now() - startedAt)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
