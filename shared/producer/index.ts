/**
 * The producer client: what an upstream system uses to put provisioning
 * requests on the queue, checked against the same contract the worker uses.
 */

export { REFUSAL_CODES, type RefusalCode } from '../contracts/error-codes';
export { MAX_BATCH_BYTES, MAX_BATCH_ENTRIES } from './batch-packing';
export { enqueue, REQUEST_SCHEMA_VERSION_ATTRIBUTE } from './enqueue';
export type { EnqueueOptions, EnqueueProgress, EnqueueResult } from './types';
export { type RequestValidation, validateRequest } from './validate-request';
