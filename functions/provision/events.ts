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
import { cut, type Redactor } from '../../shared/runtime/redact';

/**
 * The longest texts an event carries. Each is redacted first and cut second,
 * so a cut never leaves a piece of a secret that redaction would have found;
 * together they keep an event far below EventBridge's 256 KiB.
 */
const MAX_MESSAGE_LENGTH = 1_000;
const MAX_FIVETRAN_TEXT_LENGTH = 500;
const MAX_NAME_LENGTH = 256;
const MAX_SETUP_TESTS = 50;

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
  const name = (value: string) => cut(redactor.name(value), MAX_NAME_LENGTH);
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
      setupTests: (connection.setup_tests ?? []).slice(0, MAX_SETUP_TESTS).map(({ title, status, message }) => ({
        title: text(title, MAX_NAME_LENGTH),
        status,
        ...(message === undefined || message === null ? {} : { message: text(message, MAX_FIVETRAN_TEXT_LENGTH) }),
      })),
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
  const { known, fivetran } = facts;
  const text = (value: string, maxLength: number) => redactor.text(value, maxLength);
  const name = (value: string) => cut(redactor.name(value), MAX_NAME_LENGTH);
  const detail: ConnectionProvisioningFailedDetail = {
    requestId: known.requestId === null ? null : name(known.requestId),
    ...(known.groupId === undefined ? {} : { groupId: name(known.groupId) }),
    ...(known.schema === undefined ? {} : { schema: name(known.schema) }),
    errorCode: facts.errorCode,
    message: text(facts.message, MAX_MESSAGE_LENGTH),
    // The event is terminal for this message either way; `retryable` says whether sending it again could help.
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
