import { describe, expect, it } from 'vitest';
import { BackfillError, InvalidBackfillEventError } from '../../../functions/backfill/errors';
import { RecordHandedBack } from '../../../functions/provision/record-handed-back';
import { backfillCompletedDetailSchema } from '../../../shared/contracts/backfill-events';
import {
  BACKFILL_ABORT_CODES,
  FAILURE_CODES,
  FIVETRAN_FAULT_CODES,
  isTransientCode,
  NOT_ENQUEUED_CODES,
  REDRIVE_ERROR_CODES,
  TRANSIENT_CODES,
} from '../../../shared/contracts/error-codes';
import { connectionProvisioningFailedDetailSchema } from '../../../shared/contracts/events';
import { parseProvisioningRequest } from '../../../shared/contracts/request-parser';
import { FivetranFault } from '../../../shared/fivetran/fault';
import { CodedError, ConfigurationError, ProvisioningError, RedriveError } from '../../../shared/runtime/errors';

describe('error codes', () => {
  it('retries every transient code and no failure code, whatever the message says', () => {
    // given a ProvisioningError for every code, each with a message that claims the opposite
    const transient = TRANSIENT_CODES.map((code) => new ProvisioningError(code, 'permanent: do not retry'));
    const failures = FAILURE_CODES.map((code) => new ProvisioningError(code, 'temporary outage; will retry'));
    // then the code alone decides
    expect(transient.map((error) => error.retryable)).toEqual(TRANSIENT_CODES.map(() => true));
    expect(failures.map((error) => error.retryable)).toEqual(FAILURE_CODES.map(() => false));
  });

  it('keeps the transient codes out of the failure event: a subscriber never sees one alone', () => {
    expect(FAILURE_CODES.filter((code) => isTransientCode(code))).toEqual([]);
    expect(TRANSIENT_CODES.filter((code) => (FAILURE_CODES as readonly string[]).includes(code))).toEqual([]);
  });

  it('publishes exactly the declared codes in the event schemas', () => {
    const failedCode = connectionProvisioningFailedDetailSchema.def.shape.errorCode;
    expect(FAILURE_CODES.map((code) => failedCode.safeParse(code).success)).toEqual(FAILURE_CODES.map(() => true));
    expect(TRANSIENT_CODES.map((code) => failedCode.safeParse(code).success)).toEqual(TRANSIENT_CODES.map(() => false));
    const completed = backfillCompletedDetailSchema.def.shape;
    const abortCode = completed.error.def.innerType.def.shape.code;
    expect(BACKFILL_ABORT_CODES.every((code) => abortCode.safeParse(code).success)).toBe(true);
    const notEnqueued = completed.failedLines.def.element.def.shape.code;
    expect(NOT_ENQUEUED_CODES.every((code) => notEnqueued.safeParse(code).success)).toBe(true);
    expect(notEnqueued.safeParse('INVALID_REQUEST').success).toBe(false);
  });

  it('gives every error of the family its code, its name and its place in the family', () => {
    const errors: CodedError[] = [
      new ProvisioningError('GROUP_NOT_FOUND', 'no such group'),
      new ConfigurationError('EVENT_BUS_NAME is required'),
      new RedriveError(REDRIVE_ERROR_CODES[0], 'no such queue'),
      new FivetranFault(FIVETRAN_FAULT_CODES[1], 'POST /v1/connections: Fivetran answered 503', { status: 503 }),
      new BackfillError('MANIFEST_UNREADABLE', 'no such object'),
      new InvalidBackfillEventError('not an event'),
      new RecordHandedBack('DEADLINE_REACHED'),
    ];
    expect(errors.map((error) => [error.name, error.code, error instanceof CodedError, error instanceof Error])).toEqual([
      ['ProvisioningError', 'GROUP_NOT_FOUND', true, true],
      ['ConfigurationError', 'CONFIGURATION_INVALID', true, true],
      ['RedriveError', 'QUEUE_NOT_FOUND', true, true],
      ['FivetranFault', 'FIVETRAN_HTTP_ERROR', true, true],
      ['BackfillError', 'MANIFEST_UNREADABLE', true, true],
      ['InvalidBackfillEventError', 'BACKFILL_EVENT_INVALID', true, true],
      ['RecordHandedBack', 'DEADLINE_REACHED', true, true],
    ]);
    // a record handed back is retried by definition; a Fivetran fault is a fact, judged by the caller that knows the operation
    expect(new RecordHandedBack('EVENT_PUBLISH_FAILED').retryable).toBe(true);
    expect(errors[3]!.retryable).toBe(false);
  });

  it("carries a refused request's findings as structure, not only in the message", () => {
    // given a request with a wrong field and an unknown one
    const parsed = parseProvisioningRequest(
      JSON.stringify({ requestId: 'r-1', connection: { group_id: 'g', service: 'gitlab', config: { schema: 7 } }, colour: 'red' }),
    );
    // then the error lists them by path, and its reason is the message without its lead
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.failedCheck).toBe('contract');
    expect(parsed.error.issues).toContainEqual({ path: 'colour', reason: 'unknown field' });
    expect(parsed.error.issues.map((issue) => issue.path)).toContain('connection.config.schema');
    expect(parsed.error.message).toBe(`Invalid request: ${parsed.error.reason}`);
  });
});
