import { readSettings } from '../../shared/runtime/settings';
import { createHandler } from './create-handler';

/**
 * The scheduled redrive Lambda: moves dead-lettered requests back to the
 * provisioning queue with an SQS move task. Configuration is read once, at
 * cold start; a bad setting fails here, naming the variable.
 */
export const handler = createHandler(readSettings('redrive'));
