import type { ConnectionPatch } from '../../../shared/fivetran/client';
import { type Action, targetFacts } from './context';
import { pausedOrResumedEvent, updatedEvent } from './events';
import { callConnection } from './fivetran-calls';
import { assertLive } from './resolve-target';

/**
 * `update`: one PATCH with only the settings the request names. Nothing is
 * read from Fivetran first: its answers mask secrets, and a config written
 * back would overwrite them with the mask.
 */
export const applyUpdate: Action = async (ctx, entry) => {
  assertLive(entry);
  if (ctx.request.action !== 'update') throw new Error('applyUpdate takes update requests');
  const patch = Object.fromEntries(Object.entries(ctx.request.changes).filter(([, value]) => value !== undefined)) as ConnectionPatch;
  const client = await ctx.fivetran();
  await callConnection(
    'update',
    (timeoutMs) => client.updateConnection(entry.connectionId, patch, { timeoutMs, deadline: ctx.deadline }),
    ctx.calls,
    ctx.attempts,
  );
  if (patch.paused !== undefined)
    await ctx.ledger.setState(entry.connectionId, patch.paused ? 'paused' : 'active', { deadline: ctx.deadline });
  ctx.logger.info('Connection updated', { connectionId: entry.connectionId, changed: Object.keys(patch) });
  return { event: updatedEvent(targetFacts(ctx, entry), Object.keys(patch), ctx.redactor), outcome: 'updated' };
};

/** `pause` and `resume`: PATCH `{ paused }`, and the ledger's state follows. */
export const applyPauseOrResume: Action = async (ctx, entry) => {
  assertLive(entry);
  const paused = ctx.request.action === 'pause';
  const client = await ctx.fivetran();
  await callConnection(
    'update',
    (timeoutMs) => client.updateConnection(entry.connectionId, { paused }, { timeoutMs, deadline: ctx.deadline }),
    ctx.calls,
    ctx.attempts,
  );
  await ctx.ledger.setState(entry.connectionId, paused ? 'paused' : 'active', { deadline: ctx.deadline });
  ctx.logger.info(paused ? 'Connection paused' : 'Connection resumed', { connectionId: entry.connectionId });
  return { event: pausedOrResumedEvent(targetFacts(ctx, entry), paused, ctx.redactor), outcome: paused ? 'paused' : 'resumed' };
};
