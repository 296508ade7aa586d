import { DeleteItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { patRequest } from '../../local/world/fixtures';
import { reapplyRequestFor } from '../../shared/contracts/lifecycle-request';
import { findFragments } from '../support/secret-fragments';
import { type LifecycleWorld, startLifecycleWorld } from './support/lifecycle-world';

/** Lifecycle requests that try to confuse the worker, and a ledger edited by hand. */
let w: LifecycleWorld;
beforeEach(async () => (w = await startLifecycleWorld()));
afterEach(() => w.close());

const lastFailure = () => w.events().at(-1)?.detail as Record<string, unknown>;

describe('request ids that collide', () => {
  it("refuses a lifecycle request carrying an existing create's requestId, and the create stays recorded", async () => {
    const { request, connectionId } = await w.create();
    const writes = w.writes().length;

    await w.invoke([w.record({ requestId: request.requestId, action: 'pause', target: { connectionId } })]);

    expect(w.writes()).toHaveLength(writes);
    expect(lastFailure()).toMatchObject({ errorCode: 'INVALID_REQUEST', requestId: request.requestId });
    expect(await w.ledger!.getRequest(request.requestId)).toMatchObject({ action: 'create', status: 'succeeded', connectionId });
  });

  it("refuses a create carrying a lifecycle request's id before calling Fivetran, and the lifecycle request stays recorded", async () => {
    const { connectionId } = await w.create();
    await w.invoke([w.record({ requestId: 'shared-id', action: 'pause', target: { connectionId } })]);
    const writes = w.writes().length;

    await w.invoke([w.record({ ...patRequest({ schema: 'gitlab_other' }), requestId: 'shared-id' })]);

    expect(w.writes()).toHaveLength(writes);
    expect(w.sandbox.connections().map((c) => c.schema)).not.toContain('gitlab_other');
    expect(lastFailure()).toMatchObject({ errorCode: 'INVALID_REQUEST', requestId: 'shared-id' });
    expect(await w.ledger!.getRequest('shared-id')).toMatchObject({ action: 'pause', status: 'succeeded' });
  });

  it('refuses a target naming a lifecycle request, or a create that failed, as CONNECTION_NOT_FOUND without calling Fivetran', async () => {
    const { connectionId } = await w.create();
    await w.invoke([w.record({ requestId: 'p-1', action: 'pause', target: { connectionId } })]);
    await w.invoke([w.record({ requestId: 'bad-create', connection: { group_id: 'sandbox_group' } })]);
    const writes = w.writes().length;

    await w.invoke([
      w.record({ requestId: 'r-1', action: 'resume', target: { requestId: 'p-1' } }),
      w.record({ requestId: 'r-2', action: 'resume', target: { requestId: 'bad-create' } }),
    ]);

    expect(w.writes()).toHaveLength(writes);
    const codes = w
      .events()
      .filter((event) => ['r-1', 'r-2'].includes(event.detail.requestId))
      .map((event) => [event.detail.requestId, event.detail.errorCode]);
    expect(codes.sort()).toEqual([
      ['r-1', 'CONNECTION_NOT_FOUND'],
      ['r-2', 'CONNECTION_NOT_FOUND'],
    ]);
  });
});

describe('hostile changes and targets', () => {
  it('refuses __proto__, unknown and oversized keys in changes, calling nobody', async () => {
    const { connectionId } = await w.create();
    const writes = w.writes().length;
    const bodies = [
      `{"requestId":"u-proto","action":"update","target":{"connectionId":"${connectionId}"},"changes":{"__proto__":{"paused":true}}}`,
      `{"requestId":"u-unicode","action":"update","target":{"connectionId":"${connectionId}"},"changes":{"sync_fr\u0435quency":60}}`,
      `{"requestId":"u-huge","action":"update","target":{"connectionId":"${connectionId}"},"changes":{"${'k'.repeat(100_000)}":1}}`,
    ];
    const records = bodies.map((body) => ({ ...w.record({}), body }));

    const response = await w.invoke(records);

    expect(response.batchItemFailures).toEqual([]);
    expect(w.writes()).toHaveLength(writes);
    expect(
      w
        .events()
        .slice(-3)
        .map((event) => event.detail.errorCode),
    ).toEqual(['INVALID_REQUEST', 'INVALID_REQUEST', 'INVALID_REQUEST']);
    expect((await w.ledger!.getConnection(connectionId))?.state).toBe('active');
  });

  it('sends an update that sets values equal to the current ones, and an update that pauses moves the ledger with it', async () => {
    const { connectionId } = await w.create();
    await w.invoke([w.record({ requestId: 'u-same', action: 'update', target: { connectionId }, changes: { sync_frequency: 1440 } })]);
    await w.invoke([w.record({ requestId: 'u-pause', action: 'update', target: { connectionId }, changes: { paused: true } })]);

    expect(
      w
        .writes()
        .filter((call) => call.method === 'PATCH')
        .map((call) => call.body),
    ).toEqual([{ sync_frequency: 1440 }, { paused: true }]);
    expect(w.sandbox.connections()[0]?.data.paused).toBe(true);
    expect((await w.ledger!.getConnection(connectionId))?.state).toBe('paused');
  });

  it('answers a decommission of a connection already gone from Fivetran with already_deleted, and no DELETE', async () => {
    const { connectionId } = await w.create();
    await w.ledger!.setState(connectionId, 'gone');

    await w.invoke([w.record({ requestId: 'd-gone', action: 'decommission', target: { connectionId }, confirmSchema: 'gitlab_team_a' })]);

    expect(w.writes().filter((call) => call.method === 'DELETE')).toEqual([]);
    expect(w.events().at(-1)).toMatchObject({ detailType: 'Connection Decommissioned', detail: { outcome: 'already_deleted' } });
    expect((await w.ledger!.getConnection(connectionId))?.state).toBe('decommissioned');
  });

  it("does nothing for a secretVersionId of another secret: not this secret's current version", async () => {
    const { connectionId } = await w.create();
    const writes = w.writes().length;
    const events = w.events().length;

    await w.invoke([w.record(reapplyRequestFor(connectionId, '11111111-2222-4333-8444-555555555555', 'request'))]);

    expect(w.writes()).toHaveLength(writes);
    expect(w.events()).toHaveLength(events);
  });
});

describe('a ledger edited by hand', () => {
  it('acts on the connection its key names when the item lost its connectionId and groupId attributes', async () => {
    const { connectionId } = await w.create();
    const { client, tableName } = w.table!;
    const key = { pk: { S: `connection#${connectionId}` } };
    await client.send(new DeleteItemCommand({ TableName: tableName, Key: key }));
    await client.send(new PutItemCommand({ TableName: tableName, Item: { ...key, schema: { S: 'gitlab_team_a' }, state: { N: '1' } } }));

    const response = await w.invoke([w.record({ requestId: 'p-edited', action: 'pause', target: { connectionId } })]);

    expect(response.batchItemFailures).toEqual([]);
    expect(
      w
        .writes()
        .filter((call) => call.method === 'PATCH')
        .map((call) => call.path),
    ).toEqual([`/v1/connections/${connectionId}`]);
    expect(w.events().at(-1)).toMatchObject({ detailType: 'Connection Paused', detail: { connectionId } });
  });
});

describe('secrets in the ledger', () => {
  it('keeps no value of any version, old, new or failed, in any item', async () => {
    const { connectionId } = await w.create();
    const good = await w.rotate({ token: `fake-glpat-${'g'.repeat(20)}`, tokenId: '4242', gitlabUrl: 'https://gl.rotation-test.invalid' });
    await w.invoke([w.record(reapplyRequestFor(connectionId, good, 'rotation'))]);
    const bad = await w.rotate({ personal_access_token: `fake-pat-revoked-${'b'.repeat(16)}` });
    await w.invoke([w.record(reapplyRequestFor(connectionId, bad, 'rotation'))]);
    expect(
      w
        .events()
        .map((event) => event.detailType)
        .slice(-2),
    ).toEqual(['Connection Credentials Applied', 'Connection Lifecycle Request Failed']);

    const { Items = [] } = await w.table!.client.send(new ScanCommand({ TableName: w.table!.tableName }));

    expect(Items.length).toBeGreaterThan(2);
    expect(findFragments(w.needles(), [{ where: 'ledger', text: JSON.stringify(Items) }])).toEqual([]);
    expect(w.leaks()).toEqual([]);
  });
});
