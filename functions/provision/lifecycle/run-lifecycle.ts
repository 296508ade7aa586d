import {
  CONNECTION_LIFECYCLE_REQUEST_FAILED,
  LIFECYCLE_DETAIL_TYPES,
  type LifecycleEvent,
} from '../../../shared/contracts/lifecycle-events';
import type { LifecycleAction } from '../../../shared/contracts/lifecycle-request';
import type { ConnectionEntry, RequestEntry } from '../../../shared/ledger/ledger';
import { ProvisioningError } from '../../../shared/runtime/errors';
import type { Action, LifecycleContext } from './context';
import { applyDecommission } from './decommission';
import { applyCredentials } from './reapply-credentials';
import { managedConnection, targetConnectionId } from './resolve-target';
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
 * new one acts, and is recorded before its event goes out, so a publish that
 * fails is repeated on redelivery, never the action. A 404 on the target
 * marks the connection `gone`. Actions on one connection in one invocation
 * take turns, however each request names it.
 */
export async function runLifecycle(ctx: LifecycleContext): Promise<LifecycleEvent | undefined> {
  const { request, ledger, deadline } = ctx;
  const connectionId = await targetConnectionId(request.target, ledger, deadline);
  ctx.known = { ...ctx.known, connectionId };
  // The ledger is read within the turn: an action that ran before this one may have changed it.
  return ctx.inTurn(connectionId, async () => {
    const recorded = await ledger.getRequest(request.requestId, { deadline });
    if (recorded !== undefined && recorded.action !== request.action) {
      throw new ProvisioningError(
        'INVALID_REQUEST',
        `requestId ${request.requestId} was used by a ${recorded.action} request already; give each request an id of its own`,
      );
    }
    if (recorded?.status === 'succeeded' && request.action !== 'reapply_credentials') return replay(ctx, recorded);
    const entry = await managedConnection(connectionId, ledger, deadline);
    // A re-apply is answered from the ledger only while its version is still the applied one: after a race the ledger forgot it.
    if (recorded?.status === 'succeeded' && appliedVersionOf(recorded) === entry.appliedVersionId) return replay(ctx, recorded);
    ctx.known = { ...ctx.known, groupId: entry.groupId, schema: entry.schema };
    return act(ctx, entry);
  });
}

async function act(ctx: LifecycleContext, entry: ConnectionEntry): Promise<LifecycleEvent | undefined> {
  const { request, ledger, deadline } = ctx;
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
      publishedEvent: result.event,
      sqsMessageId: ctx.sqsMessageId,
      recordedAt: new Date(ctx.now()).toISOString(),
    },
    { deadline },
  );
  return result.event;
}

function appliedVersionOf(recorded: RequestEntry): string | undefined {
  const detail = recorded.publishedEvent?.detail;
  const versionId = typeof detail === 'object' && detail !== null ? (detail as { versionId?: unknown }).versionId : undefined;
  return typeof versionId === 'string' ? versionId : undefined;
}

/** The events of a request that succeeded: what a replay may publish again. */
const SUCCESS_DETAIL_TYPES = new Set<string>(
  LIFECYCLE_DETAIL_TYPES.filter((detailType) => detailType !== CONNECTION_LIFECYCLE_REQUEST_FAILED),
);
/**
 * The event of a request the ledger records as succeeded: the one it stored
 * when the request first succeeded (redacted then), so a redelivery repeats
 * the same event, setup tests and all, without a call to Fivetran.
 */
function replay(ctx: LifecycleContext, recorded: RequestEntry): LifecycleEvent | undefined {
  const stored = recorded.publishedEvent;
  ctx.known = { ...ctx.known, ...(recorded.connectionId === undefined ? {} : { connectionId: recorded.connectionId }) };
  if (stored === undefined || !SUCCESS_DETAIL_TYPES.has(stored.detailType)) {
    ctx.logger.warn('The request was done already, but the ledger keeps no event of it; nothing is published again', {
      connectionId: recorded.connectionId,
      outcome: recorded.outcome,
    });
    return undefined;
  }
  ctx.logger.info('The request was done already; its event is published again', {
    connectionId: recorded.connectionId,
    outcome: recorded.outcome,
  });
  return stored as LifecycleEvent;
}
