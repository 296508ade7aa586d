/**
 * Error names with which an SQS server says it does not know an operation at
 * all. fauxqs (the local SQS server) answers StartMessageMoveTask,
 * ListMessageMoveTasks and ListDeadLetterSourceQueues with HTTP 400
 * `{"__type":"com.amazonaws.sqs#InvalidAction","message":"Unknown action: ListMessageMoveTasks"}`,
 * which the SDK raises as `InvalidAction`; AWS's JSON protocol uses
 * `UnknownOperationException` for an unknown target, and other emulators
 * answer 501 Not Implemented.
 *
 * `UnsupportedOperation` is deliberately not here: SQS returns it for a move
 * task it refuses (for example a source that is not a dead-letter queue), and
 * falling back to receive/send/delete would then work around SQS's own rule.
 */
const MISSING_OPERATION_ERRORS = new Set(['InvalidAction', 'UnknownOperationException', 'NotImplemented', 'NotImplementedException']);

/**
 * True when `error` means the SQS server lacks the operation called, so a
 * fallback made of basic operations is the way to go.
 *
 * @example isMissingOperation(await sqs.send(new ListMessageMoveTasksCommand(…)).catch((e) => e)) // true on fauxqs
 */
export function isMissingOperation(error: unknown): boolean {
  const fault = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null | undefined;
  return MISSING_OPERATION_ERRORS.has(fault?.name ?? '') || fault?.$metadata?.httpStatusCode === 501;
}
