import type { ErrorCode } from '../contracts/error-codes';
import type { RequestAction } from '../contracts/lifecycle-request';
import type { Deadline } from '../runtime/retry';
import type { BudgetSchedule } from './budget-schedule';

/**
 * What the provisioner remembers: every request it settled, and every
 * connection it made, with the credentials secret version Fivetran last
 * accepted. One DynamoDB table (on-demand, point-in-time recovery, encrypted);
 * every write is a single conditional item write, so a redelivered request
 * repeats nothing and two runs at once cannot overwrite each other's news.
 *
 * Table layout (the stack and the local world create it from LEDGER_TABLE_LAYOUT):
 * - partition key `pk` (string): `request#<requestId>` or `connection#<connectionId>`;
 * - global secondary index `bySecret`: partition key `secretName`, sort key
 *   `connectionId`, all attributes; only connection items carry `secretName`,
 *   so the index holds exactly the connections that use a credentials secret;
 * - Time To Live on `expiresAt` (epoch seconds): only the creation budget's
 *   window items carry it (budget-schedule.ts), so DynamoDB deletes them once
 *   they are long past; request, connection and grid items never expire.
 */
export const LEDGER_TABLE_LAYOUT = {
  partitionKey: 'pk',
  expiryAttribute: 'expiresAt',
  secretIndex: { name: 'bySecret', partitionKey: 'secretName', sortKey: 'connectionId' },
} as const;

/** `gone`: Fivetran answered 404 for it; `decommissioned`: the provisioner deleted it on request. */
export const CONNECTION_STATES = ['active', 'paused', 'decommissioned', 'gone'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

/** How the connection authenticates to GitLab, as read from its credentials secret (or a Connect Card). */
export const AUTH_KINDS = ['personal_access_token', 'client_certificate', 'oauth', 'connect_card'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

export interface ConnectionEntry {
  connectionId: string;
  groupId: string;
  schema: string;
  service: 'gitlab';
  authKind: AuthKind;
  /** The credentials secret's friendly name (what `Secret Label Updated` and DescribeSecret call `Name`); absent for a Connect Card connection. */
  secretName?: string;
  /** The version of that secret whose values Fivetran last accepted. */
  appliedVersionId?: string;
  state: ConnectionState;
  /** The create request that made it (a lifecycle request may name its target by this). */
  createdByRequestId: string;
  /** ISO 8601. */
  updatedAt: string;
}

/**
 * `deferred`: a create waiting on the queue for Fivetran's budget (see
 * functions/provision/deferral.ts); its outcome, `succeeded` or `failed`,
 * replaces it, and a deferral never replaces an outcome. A deferred request
 * that goes to the dead-letter queue (RETRIES_EXHAUSTED) has its note removed
 * instead: it waits no more, yet has no outcome, since a redrive may still succeed.
 */
export const REQUEST_STATUSES = ['succeeded', 'failed', 'deferred'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** The partition key of a request's item. */
export const requestKeyOf = (requestId: string): string => `request#${requestId}`;

export interface RequestEntry {
  requestId: string;
  action: RequestAction;
  status: RequestStatus;
  connectionId?: string;
  /** The outcome word of its event (`created`, `already_exists`, `deleted`, `applied`, …). */
  outcome?: string;
  errorCode?: ErrorCode;
  /** The message the request first came as. */
  sqsMessageId: string;
  /**
   * The event a succeeded lifecycle request published (already redacted: it
   * holds no secret), so a redelivery publishes exactly the same event again
   * without asking Fivetran anything.
   */
  publishedEvent?: { detailType: string; detail: unknown };
  /** A deferred request's next try, ISO 8601: the deferred message becomes visible on the queue then. */
  notBefore?: string;
  /** Since when a deferred request has waited for Fivetran's budget, ISO 8601. */
  waitingSince?: string;
  /** ISO 8601. */
  recordedAt: string;
}

export interface LedgerCallOptions {
  /** No DynamoDB call runs past this (LEDGER_UNAVAILABLE). */
  deadline?: Deadline;
}

/**
 * The ledger's operations. Every method throws a ProvisioningError with code
 * LEDGER_UNAVAILABLE when DynamoDB fails or does not answer by the deadline,
 * so the record goes back to the queue and nothing is lost.
 */
export interface Ledger {
  getRequest(requestId: string, options?: LedgerCallOptions): Promise<RequestEntry | undefined>;
  /**
   * Records how a request ended. A request already recorded as succeeded is
   * never changed back (a late repeat loses); a `deferred` entry is written
   * only over nothing or another deferral, never over an outcome.
   */
  recordRequest(entry: RequestEntry, options?: LedgerCallOptions): Promise<void>;
  /**
   * Removes a request's `deferred` note, on condition that it is still a
   * deferral noted under `sqsMessageId` (the message the request first came
   * as): an outcome, or the deferral of another message with the same
   * requestId, written meanwhile stays. Returns false, changing nothing, when
   * there is no such note.
   */
  forgetDeferral(requestId: string, sqsMessageId: string, options?: LedgerCallOptions): Promise<boolean>;
  getConnection(connectionId: string, options?: LedgerCallOptions): Promise<ConnectionEntry | undefined>;
  /** Adds a connection the provisioner made; an entry that exists already is left as it is (a repeated create). */
  recordConnection(entry: ConnectionEntry, options?: LedgerCallOptions): Promise<void>;
  /**
   * Records that `versionId` of `secretName` was applied to the connection, on
   * condition that the applied version is still `previousVersionId` (undefined:
   * none recorded). Returns false, changing nothing, when another run changed
   * it first.
   */
  recordCredentialsApplied(
    connectionId: string,
    applied: { secretName: string; versionId: string; previousVersionId: string | undefined },
    options?: LedgerCallOptions,
  ): Promise<boolean>;
  /**
   * Forgets which version is applied, on condition that it is still
   * `versionId`: after two runs applied different versions at once, nobody
   * knows which Fivetran kept, and a connection with no applied version is
   * behind whatever is current. Returns false, changing nothing, when it changed meanwhile.
   */
  forgetCredentialsApplied(connectionId: string, versionId: string, options?: LedgerCallOptions): Promise<boolean>;
  /** Sets the connection's state (paused, active, decommissioned, gone). */
  setState(connectionId: string, state: ConnectionState, options?: LedgerCallOptions): Promise<void>;
  /** Every connection using the secret, from the `bySecret` index (all pages). */
  connectionsUsingSecret(secretName: string, options?: LedgerCallOptions): Promise<ConnectionEntry[]>;
  /** Every distinct secret name some connection in state active or paused uses: what the drift check compares. */
  secretsInUse(options?: LedgerCallOptions): Promise<string[]>;
  /** Fivetran's creation budget shared by every container (budget-schedule.ts); without it, each container spreads its own. */
  budget?: BudgetSchedule;
}
