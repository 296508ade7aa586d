import { ProvisioningError } from '../../../shared/runtime/errors';
import { type Action, targetFacts } from './context';
import { decommissionedEvent } from './events';
import { callConnection } from './fivetran-calls';

/**
 * `decommission`: the request must name the connection's schema
 * (`confirmSchema`), so a wrong connection id cannot delete another team's
 * connection; then one DELETE. Fivetran's 404 (a repeat, or someone deleted
 * it first) is `already_deleted`, not a failure.
 */
export const applyDecommission: Action = async (ctx, entry) => {
  if (ctx.request.action !== 'decommission') throw new Error('applyDecommission takes decommission requests');
  if (ctx.request.confirmSchema !== entry.schema) {
    throw new ProvisioningError(
      'CONFIRMATION_MISMATCH',
      `confirmSchema "${ctx.request.confirmSchema}" is not the schema of connection ${entry.connectionId}; nothing was deleted. Check the target, and send the connection's schema as confirmSchema`,
    );
  }
  let outcome: 'deleted' | 'already_deleted' = 'already_deleted';
  if (entry.state !== 'decommissioned' && entry.state !== 'gone') {
    const client = await ctx.fivetran();
    try {
      await callConnection('delete', (timeoutMs) => client.deleteConnection(entry.connectionId, { timeoutMs }), ctx.calls, ctx.attempts);
      outcome = 'deleted';
    } catch (error) {
      if (!(error instanceof ProvisioningError && error.code === 'CONNECTION_NOT_FOUND')) throw error;
    }
  }
  await ctx.ledger.setState(entry.connectionId, 'decommissioned', { deadline: ctx.deadline });
  ctx.count('ConnectionsDecommissioned');
  ctx.logger.info('Connection decommissioned', { connectionId: entry.connectionId, outcome });
  return { event: decommissionedEvent(targetFacts(ctx, entry), outcome, ctx.redactor), outcome };
};
