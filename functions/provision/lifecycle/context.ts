import type { SetupTest } from '../../../shared/contracts/events';
import type { LifecycleEvent } from '../../../shared/contracts/lifecycle-events';
import type { LifecycleRequest } from '../../../shared/contracts/lifecycle-request';
import type { KnownRequestFields } from '../../../shared/contracts/request-parser';
import type { FivetranClient } from '../../../shared/fivetran/client';
import type { ConnectionEntry, Ledger } from '../../../shared/ledger/ledger';
import type { Redactor } from '../../../shared/runtime/redact';
import type { Deadline } from '../../../shared/runtime/retry';
import type { CredentialsStore } from '../credentials-store';
import type { RecordMetric } from '../process-record';
import type { RecordLog } from '../record-log';
import type { AttemptCount, ConnectionCallOptions } from './fivetran-calls';

/** Everything one lifecycle request works with; built per record by processRecord. */
export interface LifecycleContext {
  request: LifecycleRequest;
  sqsMessageId: string;
  ledger: Ledger;
  credentials: CredentialsStore;
  /** The Fivetran client, its API key read (and taught to the redactor) on first use only: a stale re-apply never needs it. */
  fivetran(): Promise<FivetranClient>;
  calls: ConnectionCallOptions;
  attempts: AttemptCount;
  /** No Secrets Manager, DynamoDB or Fivetran call runs past this. */
  deadline: Deadline;
  redactor: Redactor;
  logger: RecordLog;
  /** What a failure event says of the request; the target's fields are added once the ledger named them. */
  known: KnownRequestFields;
  /** SETUP_TESTS_FAILED: the tests to publish with the failure. */
  failedSetupTests?: SetupTest[];
  count(metric: RecordMetric, dimensions?: Record<string, string>): void;
  now(): number;
  /** Runs `task` once every action this invocation started earlier on the same connection has ended. */
  inTurn<T>(connectionId: string, task: () => Promise<T>): Promise<T>;
}

/** What an action did: the event to publish and the outcome word the ledger records, or nothing to do (a stale version). */
export type ActionResult = { event: LifecycleEvent; outcome: string } | { event: undefined };

export type Action = (ctx: LifecycleContext, entry: ConnectionEntry) => Promise<ActionResult>;

/** The target's fields as the ledger knows them, for events and failure events alike. */
export function targetFacts(ctx: LifecycleContext, entry: ConnectionEntry) {
  return {
    request: ctx.request,
    connection: { connectionId: entry.connectionId, groupId: entry.groupId, schema: entry.schema },
    sqsMessageId: ctx.sqsMessageId,
  };
}
