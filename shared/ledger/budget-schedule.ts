import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { isTimeUp, untilDeadline } from '../aws/aws-calls';
import { ProvisioningError } from '../runtime/errors';
import { SETTINGS } from '../runtime/settings';
import { LEDGER_TABLE_LAYOUT, type LedgerCallOptions } from './ledger';

/** The windows every container of an account plans its deferred creations on: window k opens at `anchor + k × windowMs`. */
export interface BudgetGrid {
  anchor: number;
  windowMs: number;
  /** Creations Fivetran allows per window, once someone learnt it. */
  cap?: number;
}

/**
 * Fivetran's creation budget, shared by every container through the ledger
 * table: one item per account fixes the grid of windows (the first writer's),
 * and one item per window counts the creation slots reserved in it. Each is a
 * single conditional write, so two containers never both take a window's last slot.
 * Window items expire (DynamoDB Time To Live, `windowExpiresAt`); the grid item stays.
 */
export interface BudgetSchedule {
  /** The account's grid: `proposal` when none was set, otherwise the one set first (with `proposal.cap` added when it had none). */
  grid(account: string, proposal: BudgetGrid, options?: LedgerCallOptions): Promise<BudgetGrid>;
  /**
   * Takes one slot in the window opening at `opensAt` and returns its number
   * (1 for the window's first); undefined, changing nothing, when it holds `cap` already.
   */
  reserve(account: string, opensAt: number, cap: number, options?: LedgerCallOptions): Promise<number | undefined>;
  /** Notes that a create holding a slot of the window opening at `opensAt` was answered at `at` (epoch ms). */
  noteCreation(account: string, opensAt: number, at: number, options?: LedgerCallOptions): Promise<void>;
  /** When the window's creates were answered, earliest first. */
  creations(account: string, opensAt: number, options?: LedgerCallOptions): Promise<number[]>;
}

type Item = Record<string, AttributeValue>;
const { partitionKey: PK, expiryAttribute: EXPIRES_AT } = LEDGER_TABLE_LAYOUT;
const gridKey = (account: string): Item => ({ [PK]: { S: `budget#${account}` } });
const windowKey = (account: string, opensAt: number): Item => ({ [PK]: { S: `budget#${account}#${opensAt}` } });

/**
 * A window's count matters only until the window closes: a deferral reserves
 * in the window holding its earliest try or a later one, and the request that
 * holds a slot comes back at the opening without reading the count again; a
 * grid's window is at most two hours (shared-spread.ts refuses longer ones).
 * The item is kept a day past its opening and on top of that the longest
 * deferral MAX_DEFERRAL_HOURS allows (not the deployed value, so every
 * container writes the same expiry for a window whatever its setting): no
 * request still waiting, nor a clock or grid off by hours, meets a window
 * whose count was deleted and would be handed out again.
 */
const WINDOW_KEPT_MS = 24 * 3_600_000 + SETTINGS.maxDeferralHours.rule.max * 3_600_000;

/** When DynamoDB may delete the item of the window opening at `opensAt` (ms): epoch seconds, as Time To Live reads them. */
export const windowExpiresAt = (opensAt: number): number => Math.ceil((opensAt + WINDOW_KEPT_MS) / 1000);

export function createDynamoDbBudgetSchedule({ client, tableName }: { client: DynamoDBClient; tableName: string }): BudgetSchedule {
  async function conditional(what: string, call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      const name = error instanceof Error ? error.name : 'UnknownError';
      const detail = isTimeUp(error) ? 'did not answer in time' : `failed (${name})`;
      throw new ProvisioningError('LEDGER_UNAVAILABLE', `The ledger table ${tableName} ${detail} on ${what}; will retry`, { cause: error });
    }
  }

  return {
    async grid(account, proposal, options = {}) {
      const abort = () => untilDeadline(options.deadline);
      // Whole milliseconds: the times made from the grid travel as SQS Number attributes, read back as integers only.
      const proposed: BudgetGrid = { ...proposal, anchor: Math.round(proposal.anchor), windowMs: Math.round(proposal.windowMs) };
      const item: Item = {
        ...gridKey(account),
        kind: { S: 'budget' },
        anchor: { N: String(proposed.anchor) },
        windowMs: { N: String(proposed.windowMs) },
        ...(proposal.cap === undefined ? {} : { cap: { N: String(proposal.cap) } }),
      };
      const put = new PutItemCommand({
        TableName: tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      });
      if (await conditional('a budget grid write', () => client.send(put, abort()))) return proposed;
      let stored: Item | undefined;
      await conditional('a budget grid read', async () => {
        stored = (await client.send(new GetItemCommand({ TableName: tableName, Key: gridKey(account), ConsistentRead: true }), abort()))
          .Item;
      });
      const grid = stored ? gridOf(stored) : undefined;
      if (grid === undefined) return proposed;
      if (grid.cap !== undefined || proposal.cap === undefined) return grid;
      const setCap = new UpdateItemCommand({
        TableName: tableName,
        Key: gridKey(account),
        UpdateExpression: 'SET #cap = :cap',
        ConditionExpression: 'attribute_not_exists(#cap)',
        ExpressionAttributeNames: { '#cap': 'cap' },
        ExpressionAttributeValues: { ':cap': { N: String(proposal.cap) } },
      });
      await conditional('a budget cap write', () => client.send(setCap, abort()));
      return { ...grid, cap: proposal.cap };
    },

    async reserve(account, opensAt, cap, options = {}) {
      const update = new UpdateItemCommand({
        TableName: tableName,
        Key: windowKey(account, opensAt),
        UpdateExpression: 'SET #kind = :kind, #expiresAt = :expiresAt ADD #reserved :one',
        ConditionExpression: 'attribute_not_exists(#reserved) OR #reserved < :cap',
        ExpressionAttributeNames: { '#kind': 'kind', '#reserved': 'reserved', '#expiresAt': EXPIRES_AT },
        ExpressionAttributeValues: {
          ':kind': { S: 'budget' },
          ':expiresAt': { N: String(windowExpiresAt(opensAt)) },
          ':one': { N: '1' },
          ':cap': { N: String(cap) },
        },
        ReturnValues: 'UPDATED_NEW',
      });
      let taken: number | undefined;
      await conditional('a budget slot reservation', async () => {
        const answer = await client.send(update, untilDeadline(options.deadline));
        taken = Number(answer.Attributes?.reserved?.N);
      });
      return taken !== undefined && Number.isSafeInteger(taken) && taken >= 1 ? taken : undefined;
    },

    async noteCreation(account, opensAt, at, options = {}) {
      const update = new UpdateItemCommand({
        TableName: tableName,
        Key: windowKey(account, opensAt),
        UpdateExpression: 'SET #kind = :kind, #expiresAt = :expiresAt, #created = list_append(if_not_exists(#created, :none), :at)',
        ExpressionAttributeNames: { '#kind': 'kind', '#expiresAt': EXPIRES_AT, '#created': 'created' },
        ExpressionAttributeValues: {
          ':kind': { S: 'budget' },
          ':expiresAt': { N: String(windowExpiresAt(opensAt)) },
          ':none': { L: [] },
          ':at': { L: [{ N: String(Math.round(at)) }] },
        },
      });
      await conditional('a budget creation note', () => client.send(update, untilDeadline(options.deadline)));
    },

    async creations(account, opensAt, options = {}) {
      let stored: Item | undefined;
      await conditional('a budget window read', async () => {
        const read = new GetItemCommand({ TableName: tableName, Key: windowKey(account, opensAt), ConsistentRead: true });
        stored = (await client.send(read, untilDeadline(options.deadline))).Item;
      });
      const times = (stored?.created?.L ?? []).map((value) => Number(value.N)).filter(Number.isFinite);
      return times.sort((a, b) => a - b);
    },
  };
}

/** A grid item as written above; one edited by hand into nonsense counts as none. */
function gridOf(item: Item): BudgetGrid | undefined {
  const anchor = Number(item.anchor?.N);
  const windowMs = Number(item.windowMs?.N);
  const cap = Number(item.cap?.N);
  if (!(Number.isFinite(anchor) && windowMs > 0)) return undefined;
  return { anchor, windowMs, ...(Number.isInteger(cap) && cap >= 1 ? { cap } : {}) };
}
