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
import type { ConnectionEntry } from '../../../shared/ledger/ledger';
import type { Redactor } from '../../../shared/runtime/redact';
import { eventName, fivetranAnswerOf, MAX_MESSAGE_LENGTH, MAX_NAME_LENGTH } from '../event-texts';

export interface LifecycleFacts {
  request: LifecycleRequest;
  connection: Pick<ConnectionEntry, 'connectionId' | 'groupId' | 'schema'>;
  sqsMessageId: string;
}

function fieldsOf({ request, connection, sqsMessageId }: LifecycleFacts, redactor: Redactor) {
  const name = (value: string) => eventName(value, redactor);
  return {
    requestId: name(request.requestId),
    connectionId: name(connection.connectionId),
    groupId: name(connection.groupId),
    schema: name(connection.schema),
    sqsMessageId,
    ...(request.context === undefined ? {} : { context: redactor.deep(request.context, MAX_NAME_LENGTH) }),
  };
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
      secretName: eventName(applied.secretName, redactor),
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
  const { known } = facts;
  const name = (value: string) => eventName(value, redactor);
  const detail: ConnectionLifecycleRequestFailedDetail = {
    requestId: known.requestId === null ? null : name(known.requestId),
    ...(known.action === undefined ? {} : { action: known.action }),
    ...(known.connectionId === undefined ? {} : { connectionId: name(known.connectionId) }),
    ...(known.groupId === undefined ? {} : { groupId: name(known.groupId) }),
    ...(known.schema === undefined ? {} : { schema: name(known.schema) }),
    errorCode: facts.errorCode,
    message: redactor.text(facts.message, MAX_MESSAGE_LENGTH),
    retryable: facts.errorCode === 'RETRIES_EXHAUSTED',
    attempts: facts.attempts,
    ...fivetranAnswerOf(facts.fivetran, redactor),
    ...(facts.setupTests === undefined ? {} : { setupTests: facts.setupTests }),
    sqsMessageId: facts.sqsMessageId,
    ...(known.context === undefined ? {} : { context: redactor.deep(known.context, MAX_NAME_LENGTH) }),
  };
  return { detailType: CONNECTION_LIFECYCLE_REQUEST_FAILED, detail };
}
