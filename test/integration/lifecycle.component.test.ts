import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectionLifecycleRequestFailedDetailSchema } from '../../shared/contracts/lifecycle-events';
import { reapplyRequestFor } from '../../shared/contracts/lifecycle-request';
import { type LifecycleWorld, SECRET_ID, startLifecycleWorld } from './support/lifecycle-world';

/**
 * Lifecycle requests end to end through the real SDK: the stand-in for
 * Secrets Manager and EventBridge, the Fivetran sandbox, the ledger on dynalite.
 */
let w: LifecycleWorld;
beforeEach(async () => (w = await startLifecycleWorld()));
afterEach(() => w.close());

const failed = (response: { batchItemFailures: unknown[] }) => response.batchItemFailures;

describe('create records the ledger', () => {
  it("records the connection with the secret's name and the version it read, and the request", async () => {
    const { request, connectionId } = await w.create();
    expect(await w.ledger!.getConnection(connectionId)).toMatchObject({
      connectionId,
      schema: 'gitlab_team_a',
      authKind: 'personal_access_token',
      secretName: SECRET_ID,
      appliedVersionId: expect.any(String),
      state: 'active',
      createdByRequestId: request.requestId,
    });
    expect(await w.ledger!.getRequest(request.requestId)).toMatchObject({ action: 'create', status: 'succeeded', connectionId });
  });
});

describe('update', () => {
  it('cannot change the schema: refused at parse, nothing sent to Fivetran', async () => {
    const { connectionId } = await w.create();
    const before = w.writes().length;
    const update = { requestId: 'u-schema', action: 'update', target: { connectionId }, changes: { config: { schema: 'other' } } };
    expect(failed(await w.invoke([w.record(update, { version: '2' })]))).toEqual([]);
    expect(w.writes()).toHaveLength(before);
    expect(w.events().at(-1)).toMatchObject({
      detailType: 'Connection Lifecycle Request Failed',
      detail: { requestId: 'u-schema', action: 'update', connectionId, errorCode: 'INVALID_REQUEST' },
    });
  });

  it('sends one PATCH with only the changed settings', async () => {
    const { request } = await w.create();
    const update = { requestId: 'u-freq', action: 'update', target: { requestId: request.requestId }, changes: { sync_frequency: 360 } };
    expect(failed(await w.invoke([w.record(update)]))).toEqual([]);
    expect(
      w
        .writes()
        .filter((call) => call.method === 'PATCH')
        .map((call) => call.body),
    ).toEqual([{ sync_frequency: 360 }]);
    expect(w.events().at(-1)).toMatchObject({
      detailType: 'Connection Updated',
      detail: { requestId: 'u-freq', changed: ['sync_frequency'] },
    });
  });
});

describe('pause and resume', () => {
  it('pauses and resumes, the ledger following, and a redelivered pause writes once and publishes the same event again', async () => {
    const { connectionId } = await w.create();
    const pause = w.record({ requestId: 'p-1', action: 'pause', target: { connectionId } });
    await w.invoke([pause]);
    await w.invoke([pause]);
    expect(
      w
        .writes()
        .filter((call) => call.method === 'PATCH')
        .map((call) => call.body),
    ).toEqual([{ paused: true }]);
    const paused = w.events().filter((event) => event.detailType === 'Connection Paused');
    expect(paused).toHaveLength(2);
    expect(paused[1]).toEqual(paused[0]);
    expect((await w.ledger!.getConnection(connectionId))?.state).toBe('paused');
    await w.invoke([w.record({ requestId: 'r-1', action: 'resume', target: { connectionId } })]);
    expect((await w.ledger!.getConnection(connectionId))?.state).toBe('active');
    expect(w.events().at(-1)?.detailType).toBe('Connection Resumed');
  });
});

describe('decommission', () => {
  it('refuses a wrong confirmSchema touching nothing, deletes with the right one, and a repeat answers already_deleted', async () => {
    const { connectionId } = await w.create();
    const writesBefore = w.writes().length;
    await w.invoke([w.record({ requestId: 'd-wrong', action: 'decommission', target: { connectionId }, confirmSchema: 'gitlab_other' })]);
    expect(w.writes()).toHaveLength(writesBefore);
    expect(w.sandbox.connections().map((c) => c.id)).toContain(connectionId);
    expect(connectionLifecycleRequestFailedDetailSchema.parse(w.events().at(-1)!.detail)).toMatchObject({
      errorCode: 'CONFIRMATION_MISMATCH',
    });

    const right = w.record({ requestId: 'd-right', action: 'decommission', target: { connectionId }, confirmSchema: 'gitlab_team_a' });
    await w.invoke([right]);
    await w.invoke([right]);
    await w.invoke([w.record({ requestId: 'd-again', action: 'decommission', target: { connectionId }, confirmSchema: 'gitlab_team_a' })]);
    expect(w.writes().filter((call) => call.method === 'DELETE')).toHaveLength(1);
    expect(w.sandbox.connections().map((c) => c.id)).not.toContain(connectionId);
    const outcomes = w
      .events()
      .filter((event) => event.detailType === 'Connection Decommissioned')
      .map((event) => event.detail.outcome);
    expect(outcomes).toEqual(['deleted', 'deleted', 'already_deleted']);
    expect((await w.ledger!.getConnection(connectionId))?.state).toBe('decommissioned');
  });

  it('refuses a connection the ledger does not list, and a pause of it, without calling Fivetran', async () => {
    await w.invoke([w.record({ requestId: 'p-x', action: 'pause', target: { connectionId: 'not_ours' } })]);
    expect(w.writes()).toEqual([]);
    expect(w.events().at(-1)?.detail).toMatchObject({ errorCode: 'CONNECTION_NOT_MANAGED', connectionId: 'not_ours' });
  });
});

describe('reapply_credentials', () => {
  it('applies a new version with one PATCH of only the secret keys and run_setup_tests, and advances the ledger', async () => {
    const { connectionId } = await w.create();
    const before = (await w.ledger!.getConnection(connectionId))!.appliedVersionId;
    const versionId = await w.rotate({ personal_access_token: `fake-pat-${'n'.repeat(16)}-rotated` });
    const request = reapplyRequestFor(connectionId, versionId, 'rotation');
    const record = w.record(request);
    await w.invoke([record]);
    await w.invoke([record]);
    const patches = w.writes().filter((call) => call.method === 'PATCH');
    expect(patches.map((call) => call.body)).toEqual([
      { config: { personal_access_token: `fake-pat-${'n'.repeat(16)}-rotated` }, run_setup_tests: true },
    ]);
    expect((await w.ledger!.getConnection(connectionId))?.appliedVersionId).toBe(versionId);
    const applied = w.events().filter((event) => event.detailType === 'Connection Credentials Applied');
    expect(applied).toHaveLength(2);
    expect(applied[0]?.detail).toMatchObject({ secretName: SECRET_ID, previousVersionId: before, versionId, trigger: 'rotation' });
    expect(applied[1]).toEqual(applied[0]);
    expect(w.leaks()).toEqual([]);
  });

  it('does nothing for a stale version: no Fivetran call, no event', async () => {
    const { connectionId } = await w.create();
    const applied = (await w.ledger!.getConnection(connectionId))!.appliedVersionId!;
    await w.rotate({ personal_access_token: `fake-pat-${'m'.repeat(16)}-newer` });
    const writes = w.writes().length;
    const events = w.events().length;
    await w.invoke([
      w.record(reapplyRequestFor(connectionId, `${applied.replace(/-/g, '').slice(0, 8)}-0000-4000-8000-000000000000`, 'rotation')),
    ]);
    expect(w.writes()).toHaveLength(writes);
    expect(w.events()).toHaveLength(events);
  });

  it('reports SETUP_TESTS_FAILED for a token that fails the tests, and leaves the ledger where it was', async () => {
    const { connectionId } = await w.create();
    const before = (await w.ledger!.getConnection(connectionId))!.appliedVersionId;
    const versionId = await w.rotate({ personal_access_token: `fake-pat-expired-${'e'.repeat(12)}` });
    const response = await w.invoke([w.record(reapplyRequestFor(connectionId, versionId, 'rotation'))]);
    expect(failed(response)).toEqual([]);
    expect(w.events().at(-1)).toMatchObject({
      detailType: 'Connection Lifecycle Request Failed',
      detail: { errorCode: 'SETUP_TESTS_FAILED', connectionId, retryable: false },
    });
    expect((await w.ledger!.getConnection(connectionId))?.appliedVersionId).toBe(before);
    expect(w.leaks()).toEqual([]);
  });
});

describe('without a ledger', () => {
  it('fails a lifecycle request with LEDGER_NOT_CONFIGURED and still creates', async () => {
    await w.close();
    w = await startLifecycleWorld({ ledger: false });
    const { connectionId } = await w.create();
    await w.invoke([w.record({ requestId: 'p-1', action: 'pause', target: { connectionId } })]);
    expect(w.events().map((event) => event.detail.errorCode ?? event.detailType)).toEqual([
      'Connection Provisioned',
      'LEDGER_NOT_CONFIGURED',
    ]);
  });
});
