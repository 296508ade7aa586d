import { beforeEach, describe, expect, it } from 'vitest';
import { createDynamoDbLedger } from '../../../shared/ledger/dynamodb-ledger';
import type { ConnectionEntry, Ledger } from '../../../shared/ledger/ledger';
import { ProvisioningError } from '../../../shared/runtime/errors';
import { useLedgerTables } from '../../support/ledger-tables';

const ledgers = useLedgerTables('ledger');
let ledger: Ledger;

beforeEach(async () => {
  const tableName = await ledgers.freshTable();
  ledger = createDynamoDbLedger({ client: ledgers.local.client, tableName, now: () => Date.parse('2026-11-30T12:00:00Z') });
});

const connection = (id: string, overrides: Partial<ConnectionEntry> = {}): ConnectionEntry => ({
  connectionId: id,
  groupId: 'group_a',
  schema: `schema_${id}`,
  service: 'gitlab',
  authKind: 'personal_access_token',
  secretName: 'fivetran/gitlab/group_a/team',
  appliedVersionId: 'v-1',
  state: 'active',
  createdByRequestId: `req-${id}`,
  updatedAt: '2026-11-30T11:00:00.000Z',
  ...overrides,
});

describe('the ledger in DynamoDB (dynalite)', () => {
  it('reads back a recorded connection, and a repeated record of it changes nothing', async () => {
    await ledger.recordConnection(connection('conn_1'));
    await ledger.recordConnection(connection('conn_1', { schema: 'another', appliedVersionId: 'v-9' }));

    expect(await ledger.getConnection('conn_1')).toEqual(connection('conn_1'));
    expect(await ledger.getConnection('conn_unknown')).toBeUndefined();
  });

  it('keeps a succeeded request succeeded when a late failure of the same request is recorded', async () => {
    const base = { requestId: 'req-1', action: 'create' as const, sqsMessageId: 'm-1', recordedAt: '2026-11-30T12:00:00.000Z' };
    await ledger.recordRequest({ ...base, status: 'failed', errorCode: 'GROUP_NOT_FOUND' });
    await ledger.recordRequest({ ...base, status: 'succeeded', connectionId: 'conn_1', outcome: 'created' });
    await ledger.recordRequest({ ...base, status: 'failed', errorCode: 'FIVETRAN_REJECTED' });

    expect(await ledger.getRequest('req-1')).toEqual({ ...base, status: 'succeeded', connectionId: 'conn_1', outcome: 'created' });
  });

  it('notes a deferral over nothing or an earlier deferral, never over an outcome, and lets the outcome replace it', async () => {
    const base = { requestId: 'req-d', action: 'create' as const, sqsMessageId: 'm-1', recordedAt: '2026-11-30T12:00:00.000Z' };
    const deferred = (notBefore: string) => ({ ...base, status: 'deferred' as const, notBefore, waitingSince: '2026-11-30T11:00:00.000Z' });

    // given a request deferred twice: the second deferral replaces the first
    await ledger.recordRequest(deferred('2026-11-30T13:00:00.000Z'));
    await ledger.recordRequest(deferred('2026-11-30T14:00:00.000Z'));
    expect(await ledger.getRequest('req-d')).toEqual(deferred('2026-11-30T14:00:00.000Z'));

    // when it fails, then succeeds, and a late deferral of it arrives after each
    await ledger.recordRequest({ ...base, status: 'failed', errorCode: 'RATE_LIMIT_WAIT_EXCEEDED' });
    await ledger.recordRequest(deferred('2026-11-30T15:00:00.000Z'));
    const failed = await ledger.getRequest('req-d');
    await ledger.recordRequest({ ...base, status: 'succeeded', connectionId: 'conn_1', outcome: 'created' });
    await ledger.recordRequest(deferred('2026-11-30T16:00:00.000Z'));

    // then the outcomes stand
    expect(failed).toEqual({ ...base, status: 'failed', errorCode: 'RATE_LIMIT_WAIT_EXCEEDED' });
    expect(await ledger.getRequest('req-d')).toEqual({ ...base, status: 'succeeded', connectionId: 'conn_1', outcome: 'created' });
  });

  it("removes a deferral note only while it is the request's own message's deferral, and leaves an outcome alone", async () => {
    const base = { requestId: 'req-f', action: 'create' as const, sqsMessageId: 'm-1', recordedAt: '2026-11-30T12:00:00.000Z' };
    const deferred = {
      ...base,
      status: 'deferred' as const,
      notBefore: '2026-11-30T13:00:00.000Z',
      waitingSince: '2026-11-30T11:00:00.000Z',
    };
    const succeeded = { ...base, requestId: 'req-s', status: 'succeeded' as const, connectionId: 'conn_1', outcome: 'created' };
    const failed = { ...base, requestId: 'req-x', status: 'failed' as const, errorCode: 'RATE_LIMIT_WAIT_EXCEEDED' as const };
    // given a deferral note, and a succeeded and a failed request of the same message
    await ledger.recordRequest(deferred);
    await ledger.recordRequest(succeeded);
    await ledger.recordRequest(failed);

    // when each is asked to be forgotten as a deferral, the note first under another message's id
    const results = {
      otherMessage: await ledger.forgetDeferral('req-f', 'm-2'),
      own: await ledger.forgetDeferral('req-f', 'm-1'),
      again: await ledger.forgetDeferral('req-f', 'm-1'),
      succeeded: await ledger.forgetDeferral('req-s', 'm-1'),
      failed: await ledger.forgetDeferral('req-x', 'm-1'),
      unknown: await ledger.forgetDeferral('req-none', 'm-1'),
    };

    // then only the note of its own message went, and the outcomes stand
    expect(results).toEqual({ otherMessage: false, own: true, again: false, succeeded: false, failed: false, unknown: false });
    expect(await ledger.getRequest('req-f')).toBeUndefined();
    expect(await ledger.getRequest('req-s')).toEqual(succeeded);
    expect(await ledger.getRequest('req-x')).toEqual(failed);
  });

  it('keeps the event a request published, to publish the same one again', async () => {
    const publishedEvent = { detailType: 'Connection Paused', detail: { requestId: 'p-1', connectionId: 'conn_1', sqsMessageId: 'm-1' } };
    const entry = { requestId: 'p-1', action: 'pause' as const, status: 'succeeded' as const, sqsMessageId: 'm-1', recordedAt: 'now' };
    await ledger.recordRequest({ ...entry, connectionId: 'conn_1', outcome: 'paused', publishedEvent });

    expect((await ledger.getRequest('p-1'))?.publishedEvent).toEqual(publishedEvent);
  });

  it('advances the applied credentials version only from the version the caller saw', async () => {
    await ledger.recordConnection(connection('conn_1', { appliedVersionId: 'v-1' }));

    const stale = await ledger.recordCredentialsApplied('conn_1', { secretName: 's', versionId: 'v-3', previousVersionId: 'v-0' });
    const moved = await ledger.recordCredentialsApplied('conn_1', { secretName: 's', versionId: 'v-2', previousVersionId: 'v-1' });

    expect({ stale, moved }).toEqual({ stale: false, moved: true });
    expect((await ledger.getConnection('conn_1'))?.appliedVersionId).toBe('v-2');
  });

  it('lets exactly one of two runs that saw the same version record the next one', async () => {
    await ledger.recordConnection(connection('conn_1', { appliedVersionId: 'v-1' }));

    const results = await Promise.all(
      ['v-2', 'v-3'].map((versionId) =>
        ledger.recordCredentialsApplied('conn_1', { secretName: 's', versionId, previousVersionId: 'v-1' }),
      ),
    );

    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('forgets the applied version only while it is the one named, and a forgotten one is advanced from none', async () => {
    await ledger.recordConnection(connection('conn_1', { appliedVersionId: 'v-2' }));

    const wrong = await ledger.forgetCredentialsApplied('conn_1', 'v-1');
    const right = await ledger.forgetCredentialsApplied('conn_1', 'v-2');
    const unknown = await ledger.forgetCredentialsApplied('conn_x', 'v-2');
    expect({ wrong, right, unknown }).toEqual({ wrong: false, right: true, unknown: false });
    expect((await ledger.getConnection('conn_1'))?.appliedVersionId).toBeUndefined();
    expect(await ledger.connectionsUsingSecret('fivetran/gitlab/group_a/team')).toHaveLength(1);

    expect(await ledger.recordCredentialsApplied('conn_1', { secretName: 's', versionId: 'v-3', previousVersionId: undefined })).toBe(true);
    expect(await ledger.getConnection('conn_x')).toBeUndefined();
  });

  it('never records a credentials version for a connection it does not list', async () => {
    const recorded = await ledger.recordCredentialsApplied('conn_x', { secretName: 's', versionId: 'v-2', previousVersionId: undefined });

    expect(recorded).toBe(false);
    expect(await ledger.getConnection('conn_x')).toBeUndefined();
  });

  it('changes the state of a listed connection and creates nothing for an unknown one', async () => {
    await ledger.recordConnection(connection('conn_1'));

    await ledger.setState('conn_1', 'paused');
    await ledger.setState('conn_x', 'gone');

    expect((await ledger.getConnection('conn_1'))?.state).toBe('paused');
    expect(await ledger.getConnection('conn_x')).toBeUndefined();
  });

  it('finds the connections using a secret, and lists the secrets of live connections once each', async () => {
    await ledger.recordConnection(connection('conn_1', { secretName: 'fivetran/gitlab/a' }));
    await ledger.recordConnection(connection('conn_2', { secretName: 'fivetran/gitlab/a', state: 'paused' }));
    await ledger.recordConnection(connection('conn_3', { secretName: 'fivetran/gitlab/b', state: 'decommissioned' }));
    const { secretName: _none, ...cardConnection } = connection('conn_4', { authKind: 'connect_card' });
    await ledger.recordConnection(cardConnection);

    const usingA = await ledger.connectionsUsingSecret('fivetran/gitlab/a');

    expect(usingA.map((entry) => entry.connectionId).sort()).toEqual(['conn_1', 'conn_2']);
    expect(await ledger.secretsInUse()).toEqual(['fivetran/gitlab/a']);
  });
});

describe('the ledger when DynamoDB fails', () => {
  it('says LEDGER_UNAVAILABLE, naming the table, when the deadline has passed', async () => {
    const read = ledger.getConnection('conn_1', { deadline: { remainingMs: () => 0 } });

    await expect(read).rejects.toSatisfy(
      (error: unknown) => error instanceof ProvisioningError && error.code === 'LEDGER_UNAVAILABLE' && error.message.includes('ledger-'),
    );
  });

  it('says LEDGER_UNAVAILABLE on a deferral note removal past the deadline, and removes nothing', async () => {
    const note = { requestId: 'req-d', action: 'create' as const, status: 'deferred' as const, sqsMessageId: 'm-1', recordedAt: 'now' };
    await ledger.recordRequest(note);

    const removal = ledger.forgetDeferral('req-d', 'm-1', { deadline: { remainingMs: () => 0 } });

    await expect(removal).rejects.toSatisfy((error: unknown) => error instanceof ProvisioningError && error.code === 'LEDGER_UNAVAILABLE');
    expect(await ledger.getRequest('req-d')).toEqual(note);
  });

  it('says LEDGER_UNAVAILABLE when the table does not exist', async () => {
    const missing = createDynamoDbLedger({ client: ledgers.local.client, tableName: 'no-such-table' });

    await expect(missing.getRequest('req-1')).rejects.toSatisfy(
      (error: unknown) => error instanceof ProvisioningError && error.code === 'LEDGER_UNAVAILABLE' && error.retryable,
    );
  });
});
