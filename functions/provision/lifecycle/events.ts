import type { LifecycleFailureCode } from '../../../shared/contracts/error-codes';
import type { FivetranAnswer, SetupTest } from '../../../shared/contracts/events';
import {
  CONNECTION_CREDENTIALS_APPLIED,
  CONNECTION_DECOMMISSIONED,
  CONNECTION_LIFECYCLE_REQUEST_FAILED,
  CONNECTION_PAUSED,
  CONNECTION_RESUMED,
  CONNECTION_UPDATED,
  type ConnectionLifecycleRequestFailedDetail,
  type LifecycleEvent,
} from '../../../shared/contracts/lifecycle-events';
import type { CredentialsTrigger, LifecycleRequest } from '../../../shared/contracts/lifecycle-request';
import type { KnownRequestFields } from '../../../shared/contracts/request-parser';
import type { FivetranConnection } from '../../../shared/fivetran/schemas';
import type { ConnectionEntry } from '../../../shared/ledger/ledger';
import { cut, type Redactor } from '../../../shared/runtime/redact';

/** As the provisioning events: each text is redacted first and cut second. */
const MAX_MESSAGE_LENGTH = 1_000;
const MAX_FIVETRAN_TEXT_LENGTH = 500;
const MAX_NAME_LENGTH = 256;
const MAX_SETUP_TESTS = 50;

export interface LifecycleFacts {
  request: LifecycleRequest;
  connection: Pick<ConnectionEntry, 'connectionId' | 'groupId' | 'schema'>;
  sqsMessageId: string;
}

function fieldsOf({ request, connection, sqsMessageId }: LifecycleFacts, redactor: Redactor) {
  const name = (value: string) => cut(redactor.name(value), MAX_NAME_LENGTH);
  return {
    requestId: name(request.requestId),
    connectionId: name(connection.connectionId),
    groupId: name(connection.groupId),
    schema: name(connection.schema),
    sqsMessageId,
    ...(request.context === undefined ? {} : { context: redactor.deep(request.context, MAX_NAME_LENGTH) }),
  };
}

/** Fivetran's setup tests as an event carries them: messages quote what Fivetran was given, so each passes the redactor. */
export function setupTestsOf(tests: FivetranConnection['setup_tests'], redactor: Redactor): SetupTest[] {
  return (tests ?? []).slice(0, MAX_SETUP_TESTS).map(({ title, status, message }) => ({
    title: redactor.text(title, MAX_NAME_LENGTH),
    status,
    ...(message === undefined || message === null ? {} : { message: redactor.text(message, MAX_FIVETRAN_TEXT_LENGTH) }),
  }));
}

/** `Connection Updated`: the names of the settings sent, never their values' history. */
export function updatedEvent(facts: LifecycleFacts, changed: readonly string[], redactor: Redactor): LifecycleEvent {
  return { detailType: CONNECTION_UPDATED, detail: { ...fieldsOf(facts, redactor), changed: [...changed] } };
}

export function pausedOrResumedEvent(facts: LifecycleFacts, paused: boolean, redactor: Redactor): LifecycleEvent {
  const detail = fieldsOf(facts, redactor);
  return paused ? { detailType: CONNECTION_PAUSED, detail } : { detailType: CONNECTION_RESUMED, detail };
}

export interface AppliedFacts {
  secretName: string;
  previousVersionId: string | undefined;
  versionId: string;
  trigger: CredentialsTrigger;
  setupTests: SetupTest[];
  setupState?: string | undefined;
}

export function credentialsAppliedEvent(facts: LifecycleFacts, applied: AppliedFacts, redactor: Redactor): LifecycleEvent {
  return {
    detailType: CONNECTION_CREDENTIALS_APPLIED,
    detail: {
      ...fieldsOf(facts, redactor),
      secretName: cut(redactor.name(applied.secretName), MAX_NAME_LENGTH),
      previousVersionId: applied.previousVersionId ?? null,
      versionId: applied.versionId,
      trigger: applied.trigger,
      setupTests: applied.setupTests,
      ...(applied.setupState === undefined ? {} : { setupState: redactor.text(applied.setupState, MAX_NAME_LENGTH) }),
    },
  };
}

export function decommissionedEvent(facts: LifecycleFacts, outcome: 'deleted' | 'already_deleted', redactor: Redactor): LifecycleEvent {
  return { detailType: CONNECTION_DECOMMISSIONED, detail: { ...fieldsOf(facts, redactor), outcome } };
}

/** What a lifecycle failure event can say beyond the request's readable fields: learnt on the way (the target, the setup tests). */
export interface LifecycleFailureFacts {
  known: KnownRequestFields;
  errorCode: LifecycleFailureCode;
  message: string;
  attempts: number;
  sqsMessageId: string;
  fivetran?: FivetranAnswer;
  setupTests?: SetupTest[];
}

/** `Connection Lifecycle Request Failed`; every text in it passes the record's redactor. */
export function lifecycleFailedEvent(facts: LifecycleFailureFacts, redactor: Redactor): LifecycleEvent {
  const { known, fivetran } = facts;
  const text = (value: string, maxLength: number) => redactor.text(value, maxLength);
  const name = (value: string) => cut(redactor.name(value), MAX_NAME_LENGTH);
  const detail: ConnectionLifecycleRequestFailedDetail = {
    requestId: known.requestId === null ? null : name(known.requestId),
    ...(known.action === undefined ? {} : { action: known.action }),
    ...(known.connectionId === undefined ? {} : { connectionId: name(known.connectionId) }),
    ...(known.groupId === undefined ? {} : { groupId: name(known.groupId) }),
    ...(known.schema === undefined ? {} : { schema: name(known.schema) }),
    errorCode: facts.errorCode,
    message: text(facts.message, MAX_MESSAGE_LENGTH),
    retryable: facts.errorCode === 'RETRIES_EXHAUSTED',
    attempts: facts.attempts,
    ...(fivetran === undefined
      ? {}
      : {
          fivetran: {
            status: fivetran.status,
            ...(fivetran.code === undefined ? {} : { code: text(fivetran.code, MAX_NAME_LENGTH) }),
            ...(fivetran.message === undefined ? {} : { message: text(fivetran.message, MAX_FIVETRAN_TEXT_LENGTH) }),
          },
        }),
    ...(facts.setupTests === undefined ? {} : { setupTests: facts.setupTests }),
    sqsMessageId: facts.sqsMessageId,
    ...(known.context === undefined ? {} : { context: redactor.deep(known.context, MAX_NAME_LENGTH) }),
  };
  return { detailType: CONNECTION_LIFECYCLE_REQUEST_FAILED, detail };
}
