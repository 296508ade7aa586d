import { readSettings } from '../../shared/runtime/settings';
import { createHandler } from './create-handler';

/**
 * The backfill Lambda: invoked by an EventBridge Scheduler schedule (one per
 * configured backfill) or by itself to continue a run. Configuration is read
 * once, at cold start; a bad setting fails here, naming the variable.
 */
export const handler = createHandler(readSettings('backfill'));
