import { afterEach, describe, expect, it } from 'vitest';
import { patRequest } from '../../local/world/fixtures';
import { reapplyRequestFor } from '../../shared/contracts/lifecycle-request';
import { type LifecycleWorld, startLifecycleWorld } from './support/lifecycle-world';

/** Lifecycle requests when DynamoDB, Secrets Manager or Fivetran hang or fail half-way. */
let w: LifecycleWorld;
afterEach(() => w.close());

/** Lambda's time left for an invocation that must end early: the deadline comes 1 s in (SAFETY_MARGIN_MS 5 s). */
const SHORT_INVOCATION_MS = 6_000;
const patches = () => w.writes().filter((call) => call.method === 'PATCH');

describe('a ledger that never answers', () => {
  it('answers the batch in time and hands back both a lifecycle request and a create, publishing nothing', async () => {
    // Given a ledger whose every call hangs, deadline or not, once a connection exists
    let hang = false;
    const never = new Promise<never>(() => undefined);
    w = await startLifecycleWorld({
      wrapLedger: (ledger) =>
        new Proxy(ledger, {
          get:
            (target, name) =>
            (...args: unknown[]) =>
              hang ? never : (target[name as keyof typeof target] as (...a: unknown[]) => unknown)(...args),
        }),
    });
    const { connectionId } = await w.create();
    hang = true;
    const events = w.events().length;
    const pause = w.record({ requestId: 'p-hang', action: 'pause', target: { connectionId } });
    const create = w.record(patRequest({ schema: 'gitlab_team_b' }));

    // When a batch holds a pause and a create
    const response = await w.invoke([pause, create], SHORT_INVOCATION_MS);

    // Then both go back to the queue, and no event claims anything
    expect(response.batchItemFailures.map((item) => item.itemIdentifier).sort()).toEqual([create.messageId, pause.messageId].sort());
    expect(w.events()).toHaveLength(events);
    expect(patches()).toEqual([]);
  });
});

describe('Secrets Manager that describes the secret but does not give the version', () => {
  it('hands the re-apply back when GetSecretValue hangs, with no PATCH and the ledger unchanged', async () => {
    w = await startLifecycleWorld();
    const { connectionId } = await w.create();
    const before = (await w.ledger!.getConnection(connectionId))?.appliedVersionId;
    const versionId = await w.rotate({ personal_access_token: `fake-pat-${'h'.repeat(16)}` });
    w.world.aws!.hangNext('GetSecretValue', 1);

    const record = w.record(reapplyRequestFor(connectionId, versionId, 'rotation'));
    const response = await w.invoke([record], SHORT_INVOCATION_MS);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect(patches()).toEqual([]);
    expect((await w.ledger!.getConnection(connectionId))?.appliedVersionId).toBe(before);
  });

  it('fails the re-apply as CREDENTIALS_NOT_FOUND when the version cannot be read, with no PATCH', async () => {
    w = await startLifecycleWorld();
    const { connectionId } = await w.create();
    const versionId = await w.rotate({ personal_access_token: `fake-pat-${'g'.repeat(16)}` });
    w.world.aws!.failNext('GetSecretValue', 'ResourceNotFoundException');

    await w.invoke([w.record(reapplyRequestFor(connectionId, versionId, 'rotation'))]);

    expect(patches()).toEqual([]);
    expect(w.events().at(-1)?.detail).toMatchObject({ errorCode: 'CREDENTIALS_NOT_FOUND', connectionId });
  });
});

describe('Fivetran that fails after applying', () => {
  it('repeats a PATCH answered 500 after it was applied, and records and publishes the version once', async () => {
    w = await startLifecycleWorld();
    const { connectionId } = await w.create();
    const versionId = await w.rotate({ personal_access_token: `fake-pat-${'f'.repeat(16)}` });
    w.sandbox.injectFault({ kind: 'applied-then-500', method: 'PATCH' });

    const response = await w.invoke([w.record(reapplyRequestFor(connectionId, versionId, 'rotation'))]);

    expect(response.batchItemFailures).toEqual([]);
    expect(patches()).toHaveLength(2);
    expect((await w.ledger!.getConnection(connectionId))?.appliedVersionId).toBe(versionId);
    expect(w.events().filter((event) => event.detailType === 'Connection Credentials Applied')).toHaveLength(1);
    expect(w.leaks()).toEqual([]);
  });
});
