import type { FailureCode } from '../../shared/contracts/error-codes';
import {
  CONNECTION_PROVISIONED,
  CONNECTION_PROVISIONING_FAILED,
  type ConnectionProvisioningFailedDetail,
  type FivetranAnswer,
  type OutcomeEvent,
} from '../../shared/contracts/events';
import type { ProvisioningRequest } from '../../shared/contracts/request';
import type { KnownRequestFields } from '../../shared/contracts/request-parser';
import type { FivetranConnection } from '../../shared/fivetran/schemas';
import type { Redactor } from '../../shared/runtime/redact';
import { eventName, fivetranAnswerOf, MAX_MESSAGE_LENGTH, MAX_NAME_LENGTH, setupTestsOf } from './event-texts';

export interface ProvisionedFacts {
  request: ProvisioningRequest;
  outcome: 'created' | 'already_exists';
  connection: FivetranConnection;
  attempts: number;
  sqsMessageId: string;
}

/**
 * Builds the `Connection Provisioned` event from Fivetran's answer. Every text
 * in it passes the record's redactor: setup-test messages quote what Fivetran
 * was given, the token included. Identifiers lose a secret only whole (see
 * Redactor.name): subscribers route on them.
 */
export function provisionedEvent(facts: ProvisionedFacts, redactor: Redactor): OutcomeEvent {
  const { request, connection } = facts;
  const text = (value: string, maxLength: number) => redactor.text(value, maxLength);
  const name = (value: string) => eventName(value, redactor);
  return {
    detailType: CONNECTION_PROVISIONED,
    detail: {
      requestId: name(request.requestId),
      outcome: facts.outcome,
      connectionId: name(connection.id),
      groupId: name(connection.group_id),
      service: 'gitlab',
      schema: name(connection.schema),
      ...(connection.status?.setup_state === undefined ? {} : { setupState: text(connection.status.setup_state, MAX_NAME_LENGTH) }),
      setupTests: setupTestsOf(connection.setup_tests, redactor),
      // Redacted but never cut: a cut URI leads nowhere.
      ...(connection.connect_card?.uri === undefined ? {} : { connectCardUri: redactor.text(connection.connect_card.uri) }),
      attempts: facts.attempts,
      sqsMessageId: facts.sqsMessageId,
      ...(request.context === undefined ? {} : { context: redactor.deep(request.context, MAX_NAME_LENGTH) }),
    },
  };
}

export interface FailureFacts {
  known: KnownRequestFields;
  /** What Fivetran answered, as it answered. */
  fivetran?: FivetranAnswer;
  /** The code to publish: the error's own, or RETRIES_EXHAUSTED when a transient fault outlived the deliveries. */
  errorCode: FailureCode;
  message: string;
  attempts: number;
  sqsMessageId: string;
}

/** Builds the `Connection Provisioning Failed` event; every text in it passes the record's redactor. */
export function failedEvent(facts: FailureFacts, redactor: Redactor): OutcomeEvent {
  const { known } = facts;
  const name = (value: string) => eventName(value, redactor);
  const detail: ConnectionProvisioningFailedDetail = {
    requestId: known.requestId === null ? null : name(known.requestId),
    ...(known.groupId === undefined ? {} : { groupId: name(known.groupId) }),
    ...(known.schema === undefined ? {} : { schema: name(known.schema) }),
    errorCode: facts.errorCode,
    message: redactor.text(facts.message, MAX_MESSAGE_LENGTH),
    // The event is terminal for this message either way; `retryable` says whether sending it again could help.
    retryable: facts.errorCode === 'RETRIES_EXHAUSTED',
    attempts: facts.attempts,
    ...fivetranAnswerOf(facts.fivetran, redactor),
    sqsMessageId: facts.sqsMessageId,
    ...(known.context === undefined ? {} : { context: redactor.deep(known.context, MAX_NAME_LENGTH) }),
  };
  return { detailType: CONNECTION_PROVISIONING_FAILED, detail };
}

/** The identifying fields of a valid request, in the shape failure events use. */
export function knownFieldsOf(request: ProvisioningRequest): KnownRequestFields {
  return {
    requestId: request.requestId,
    groupId: request.connection.group_id,
    schema: request.connection.config.schema,
    ...(request.context === undefined ? {} : { context: request.context }),
  };
}
