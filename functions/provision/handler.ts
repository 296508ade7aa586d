import { readSettings } from '../../shared/runtime/settings';
import { createHandler } from './create-handler';

/**
 * The provisioning Lambda: SQS batch in, Fivetran connections created,
 * outcomes on EventBridge. Configuration is read once, at cold start; a bad
 * setting fails here, naming the variable.
 */
export const handler = createHandler(readSettings('provision'));
