import type { LifecycleEvent } from '../../../shared/contracts/lifecycle-events';
import type { LifecycleAction } from '../../../shared/contracts/lifecycle-request';
import type { ConnectionEntry, RequestEntry } from '../../../shared/ledger/ledger';
import { ProvisioningError } from '../../../shared/runtime/errors';
import type { Action, LifecycleContext } from './context';
import { targetFacts } from './context';
import { applyDecommission } from './decommission';
import { credentialsAppliedEvent, decommissionedEvent, pausedOrResumedEvent, setupTestsOf, updatedEvent } from './events';
import { callConnection } from './fivetran-calls';
import { applyCredentials, readAppliedOutcome } from './reapply-credentials';
import { resolveTarget } from './resolve-target';
import { applyPauseOrResume, applyUpdate } from './update';

const ACTIONS: Record<LifecycleAction, Action> = {
  update: applyUpdate,
  pause: applyPauseOrResume,
  resume: applyPauseOrResume,
  reapply_credentials: applyCredentials,
  decommission: applyDecommission,
};

/**
 * Runs one lifecycle request and returns the event to publish (undefined:
 * nothing to publish). The ledger makes it idempotent: a request it records
 * as succeeded is answered again from the ledger, with no Fivetran write; a
 * new one resolves its target, acts, and is recorded before its event goes
 * out, so a publish that fails is repeated on redelivery, never the action.
 * A 404 on the target marks the connection `gone`.
 */
export async function runLifecycle(ctx: LifecycleContext): Promise<LifecycleEvent | undefined> {
  const { request, ledger, deadline } = ctx;
  const recorded = await ledger.getRequest(request.requestId, { deadline });
  if (recorded !== undefined && recorded.action !== request.action) {
    throw new ProvisioningError(
      'INVALID_REQUEST',
      `requestId ${request.requestId} was used by a ${recorded.action} request already; give each request an id of its own`,
    );
  }
  if (recorded?.status === 'succeeded') return replay(ctx, recorded);

  const entry = await resolveTarget(request.target, ledger, deadline);
  ctx.known = { ...ctx.known, connectionId: entry.connectionId, groupId: entry.groupId, schema: entry.schema };
  let result: Awaited<ReturnType<Action>>;
  try {
    result = await ACTIONS[request.action](ctx, entry);
  } catch (error) {
    if (
      error instanceof ProvisioningError &&
      error.code === 'CONNECTION_NOT_FOUND' &&
      entry.state !== 'gone' &&
      entry.state !== 'decommissioned'
    ) {
      await ledger.setState(entry.connectionId, 'gone', { deadline });
    }
    throw error;
  }
  if (result.event === undefined) return undefined;
  await ledger.recordRequest(
    {
      requestId: request.requestId,
      action: request.action,
      status: 'succeeded',
      connectionId: entry.connectionId,
      outcome: result.outcome,
      sqsMessageId: ctx.sqsMessageId,
      recordedAt: new Date(ctx.now()).toISOString(),
    },
    { deadline },
  );
  return result.event;
}

/** The event of a request the ledger records as succeeded, rebuilt from the ledger and the request (and, for credentials, Fivetran's last setup tests). */
async function replay(ctx: LifecycleContext, recorded: RequestEntry): Promise<LifecycleEvent | undefined> {
  const { request, ledger, deadline } = ctx;
  const entry: ConnectionEntry | undefined =
    recorded.connectionId === undefined ? undefined : await ledger.getConnection(recorded.connectionId, { deadline });
  if (entry === undefined) {
    throw new ProvisioningError('CONNECTION_NOT_MANAGED', `The ledger records request ${request.requestId} but not its connection`);
  }
  ctx.known = { ...ctx.known, connectionId: entry.connectionId, groupId: entry.groupId, schema: entry.schema };
  ctx.logger.info('The request was done already; its event is published again', {
    connectionId: entry.connectionId,
    outcome: recorded.outcome,
  });
  const facts = targetFacts(ctx, entry);
  switch (request.action) {
    case 'update':
      return updatedEvent(
        facts,
        Object.keys(request.changes).filter((key) => (request.changes as Record<string, unknown>)[key] !== undefined),
        ctx.redactor,
      );
    case 'pause':
    case 'resume':
      return pausedOrResumedEvent(facts, request.action === 'pause', ctx.redactor);
    case 'decommission':
      return decommissionedEvent(facts, recorded.outcome === 'deleted' ? 'deleted' : 'already_deleted', ctx.redactor);
    case 'reapply_credentials': {
      const applied = readAppliedOutcome(recorded.outcome);
      if (applied === undefined || entry.secretName === undefined) return undefined;
      const client = await ctx.fivetran();
      // A read only: the tests Fivetran last ran, which are the ones this request's PATCH ran unless another ran since.
      const connection = await callConnection(
        'read',
        (timeoutMs) => client.getConnection(entry.connectionId, { timeoutMs, deadline }),
        ctx.calls,
        ctx.attempts,
      );
      return credentialsAppliedEvent(
        facts,
        {
          secretName: entry.secretName,
          ...applied,
          trigger: request.trigger ?? 'request',
          setupTests: setupTestsOf(connection.setup_tests, ctx.redactor),
          setupState: connection.status?.setup_state,
        },
        ctx.redactor,
      );
    }
  }
}
