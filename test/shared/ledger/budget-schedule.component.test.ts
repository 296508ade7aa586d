import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDynamoDbBudgetSchedule } from '../../../shared/ledger/budget-schedule';
import { createDynamoDbLedger } from '../../../shared/ledger/dynamodb-ledger';
import { LEDGER_TABLE_LAYOUT } from '../../../shared/ledger/ledger';
import { useLedgerTables } from '../../support/ledger-tables';

const ACCOUNT = 'fivetran/api-key';
const OPENS_AT = Date.parse('2026-11-30T12:00:00.000Z');
const HOUR_MS = 3_600_000;
/** MAX_DEFERRAL_HOURS at most (shared/runtime/settings.ts). */
const LONGEST_DEFERRAL_HOURS = 90;

const ledgers = useLedgerTables('budget-expiry');
let tableName: string;

beforeEach(async () => {
  tableName = await ledgers.freshTable();
});

/** Every stored item by its key, as DynamoDB holds it. */
async function storedItems() {
  const { Items = [] } = await ledgers.local.client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
  return new Map(Items.map((item) => [item[LEDGER_TABLE_LAYOUT.partitionKey]?.S, item]));
}

describe('the creation budget in the ledger expires window by window', () => {
  it('gives each window item an expiry a day past its opening plus the longest deferral, and the grid item none', async () => {
    // Given an account's grid and slots reserved in two windows
    const schedule = createDynamoDbBudgetSchedule({ client: ledgers.local.client, tableName });
    await schedule.grid(ACCOUNT, { anchor: OPENS_AT, windowMs: HOUR_MS, cap: 2 });
    await schedule.reserve(ACCOUNT, OPENS_AT, 2);
    await schedule.reserve(ACCOUNT, OPENS_AT, 2);
    await schedule.reserve(ACCOUNT, OPENS_AT + HOUR_MS, 2);

    // When the stored items are read back
    const items = await storedItems();

    // Then each window carries epoch seconds well after any deferral could still reserve in it, and the grid nothing
    const expiresAt = (opensAt: number) => Math.ceil((opensAt + (24 + LONGEST_DEFERRAL_HOURS) * HOUR_MS) / 1000);
    expect(items.get(`budget#${ACCOUNT}#${OPENS_AT}`)).toMatchObject({
      reserved: { N: '2' },
      expiresAt: { N: String(expiresAt(OPENS_AT)) },
    });
    expect(items.get(`budget#${ACCOUNT}#${OPENS_AT + HOUR_MS}`)).toMatchObject({
      reserved: { N: '1' },
      expiresAt: { N: String(expiresAt(OPENS_AT + HOUR_MS)) },
    });
    expect(items.get(`budget#${ACCOUNT}`)).toBeDefined();
    expect(items.get(`budget#${ACCOUNT}`)).not.toHaveProperty(LEDGER_TABLE_LAYOUT.expiryAttribute);
  });

  it('leaves a full window, and its expiry, as they were when a reservation is refused', async () => {
    // Given a window holding its cap of one
    const schedule = createDynamoDbBudgetSchedule({ client: ledgers.local.client, tableName });
    expect(await schedule.reserve(ACCOUNT, OPENS_AT, 1)).toBe(1);
    const before = (await storedItems()).get(`budget#${ACCOUNT}#${OPENS_AT}`);

    // When another reservation asks for a slot in it
    const taken = await schedule.reserve(ACCOUNT, OPENS_AT, 1);

    // Then it is refused and the item is unchanged
    expect(taken).toBeUndefined();
    expect((await storedItems()).get(`budget#${ACCOUNT}#${OPENS_AT}`)).toEqual(before);
  });

  it('numbers the slots of a window in the order they are taken, and notes when its creates were answered, earliest first', async () => {
    // Given a window with a cap of three
    const schedule = createDynamoDbBudgetSchedule({ client: ledgers.local.client, tableName });
    // When three slots are taken and a fourth asked for
    const numbers = [];
    for (let i = 0; i < 4; i += 1) numbers.push(await schedule.reserve(ACCOUNT, OPENS_AT, 3));
    // Then they are numbered 1 to 3 and the fourth is refused
    expect(numbers).toEqual([1, 2, 3, undefined]);
    // When its creates are noted out of order, Then they are read back earliest first; a window with none has none
    await schedule.noteCreation(ACCOUNT, OPENS_AT, OPENS_AT + 900);
    await schedule.noteCreation(ACCOUNT, OPENS_AT, OPENS_AT + 100);
    await schedule.noteCreation(ACCOUNT, OPENS_AT, OPENS_AT + 500);
    expect(await schedule.creations(ACCOUNT, OPENS_AT)).toEqual([OPENS_AT + 100, OPENS_AT + 500, OPENS_AT + 900]);
    expect(await schedule.creations(ACCOUNT, OPENS_AT + HOUR_MS)).toEqual([]);
    expect((await storedItems()).get(`budget#${ACCOUNT}#${OPENS_AT}`)).toMatchObject({ reserved: { N: '3' } });
  });

  it('never puts the expiry on request or connection items, which are the only record of what was done', async () => {
    // Given a settled request, a deferred one and a connection written through the ledger
    const ledger = createDynamoDbLedger({ client: ledgers.local.client, tableName, now: () => OPENS_AT });
    const recordedAt = '2026-11-30T12:00:00.000Z';
    await ledger.recordRequest({
      requestId: 'req-1',
      action: 'create',
      sqsMessageId: 'm-1',
      recordedAt,
      status: 'failed',
      errorCode: 'GROUP_NOT_FOUND',
    });
    await ledger.recordRequest({ requestId: 'req-2', action: 'create', sqsMessageId: 'm-2', recordedAt, status: 'deferred' });
    await ledger.recordConnection({
      connectionId: 'conn_1',
      groupId: 'group_a',
      schema: 'schema_a',
      service: 'gitlab',
      authKind: 'personal_access_token',
      secretName: 'fivetran/gitlab/group_a/team',
      appliedVersionId: 'v-1',
      state: 'active',
      createdByRequestId: 'req-1',
      updatedAt: recordedAt,
    });

    // When the stored items are read back
    const items = [...(await storedItems()).values()];

    // Then none of the three carries the expiry
    expect(items).toHaveLength(3);
    for (const item of items) expect(item).not.toHaveProperty(LEDGER_TABLE_LAYOUT.expiryAttribute);
  });
});
