import {
  CONNECTION_PROVISIONED,
  CONNECTION_PROVISIONING_FAILED,
  type ConnectionProvisioningFailedDetail,
  type FailureCode,
  type FivetranAnswer,
  type OutcomeEvent,
} from './event-schema';
import type { FivetranConnection } from './fivetran/fivetran-schemas';
import type { KnownRequestFields } from './request-parser';
import type { ProvisioningRequest } from './request-schema';

/** Builds the `Connection Provisioned` event from Fivetran's answer. */
export function provisionedEvent(
  request: ProvisioningRequest,
  outcome: 'created' | 'already_exists',
  connection: FivetranConnection,
  attempts: number,
): OutcomeEvent {
  return {
    detailType: CONNECTION_PROVISIONED,
    detail: {
      requestId: request.requestId,
      outcome,
      connectionId: connection.id,
      groupId: connection.group_id,
      service: 'gitlab',
      schema: connection.schema,
      ...(connection.status?.setup_state === undefined ? {} : { setupState: connection.status.setup_state }),
      setupTests: (connection.setup_tests ?? []).map(({ title, status, message }) => ({
        title,
        status,
        ...(message === undefined || message === null ? {} : { message }),
      })),
      ...(connection.connect_card?.uri === undefined ? {} : { connectCardUri: connection.connect_card.uri }),
      attempts,
      ...(request.context === undefined ? {} : { context: request.context }),
    },
  };
}

export interface FailureFacts {
  known: KnownRequestFields;
  /** What Fivetran answered, already scrubbed of secrets. */
  fivetran?: FivetranAnswer;
  /** The code to publish: the error's own, or RETRIES_EXHAUSTED when a transient fault outlived the deliveries. */
  errorCode: FailureCode;
  message: string;
  attempts: number;
  sqsMessageId: string;
}

/** Builds the `Connection Provisioning Failed` event. */
export function failedEvent(facts: FailureFacts): OutcomeEvent {
  const { known } = facts;
  const detail: ConnectionProvisioningFailedDetail = {
    requestId: known.requestId,
    ...(known.groupId === undefined ? {} : { groupId: known.groupId }),
    ...(known.schema === undefined ? {} : { schema: known.schema }),
    errorCode: facts.errorCode,
    message: facts.message,
    // The event is terminal for this message either way; `retryable` says whether sending it again could help.
    retryable: facts.errorCode === 'RETRIES_EXHAUSTED',
    attempts: facts.attempts,
    ...(facts.fivetran === undefined ? {} : { fivetran: facts.fivetran }),
    sqsMessageId: facts.sqsMessageId,
    ...(known.context === undefined ? {} : { context: known.context }),
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
