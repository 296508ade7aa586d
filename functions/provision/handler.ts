import { readSettings } from '../../shared/runtime/settings';
import { createProvisionHandler } from './create-handler';

/**
 * The provisioning Lambda: SQS batch in, Fivetran connections created,
 * outcomes on EventBridge. Configuration is read once, at cold start; a bad
 * setting fails here, naming the variable.
 */
export const handler = createProvisionHandler(readSettings('provision'));
