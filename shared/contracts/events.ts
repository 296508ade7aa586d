import * as z from 'zod/mini';
import { FAILURE_CODES } from './error-codes';
import { requestContextSchema } from './request';
import '../runtime/zod-setup';

/**
 * The outcome events the provisioner publishes to EventBridge. Subscribers
 * route on `source` and `detail-type`; `detail` follows these schemas.
 */

export const CONNECTION_PROVISIONED = 'Connection Provisioned';
export const CONNECTION_PROVISIONING_FAILED = 'Connection Provisioning Failed';

export const setupTestSchema = z.object({
  title: z.string(),
  status: z.enum(['PASSED', 'SKIPPED', 'WARNING', 'FAILED', 'JOB_FAILED']),
  message: z.optional(z.string()),
});

export const connectionProvisionedDetailSchema = z.object({
  requestId: z.string(),
  outcome: z.enum(['created', 'already_exists']),
  connectionId: z.string(),
  groupId: z.string(),
  service: z.literal('gitlab'),
  schema: z.string(),
  setupState: z.optional(z.string()),
  setupTests: z.array(setupTestSchema),
  connectCardUri: z.optional(
    z
      .string()
      .check(
        z.describe(
          'The Connect Card the end user authorizes the connection with. Fivetran issues it with the create, or a fresh one when the connection already existed; it is valid for one day from the event.',
        ),
      ),
  ),
  attempts: z.int().check(z.minimum(1)),
  /** The SQS message that reached this outcome: events are delivered at least once, and this is the key to drop a repeat by. */
  sqsMessageId: z.string(),
  context: z.optional(requestContextSchema),
});

export const fivetranAnswerSchema = z.object({
  status: z.int(),
  code: z.optional(z.string()),
  message: z.optional(z.string()),
});

export const connectionProvisioningFailedDetailSchema = z.object({
  requestId: z.nullable(z.string()),
  groupId: z.optional(z.string()),
  schema: z.optional(z.string()),
  errorCode: z.enum(FAILURE_CODES),
  message: z.string(),
  retryable: z.boolean(),
  attempts: z.int().check(z.minimum(0)),
  fivetran: z.optional(fivetranAnswerSchema),
  /** As in Connection Provisioned: the key to drop a repeated delivery of this event by. */
  sqsMessageId: z.string(),
  context: z.optional(requestContextSchema),
});

export type SetupTest = z.infer<typeof setupTestSchema>;
export type FivetranAnswer = z.infer<typeof fivetranAnswerSchema>;
export type ConnectionProvisionedDetail = z.infer<typeof connectionProvisionedDetailSchema>;
export type ConnectionProvisioningFailedDetail = z.infer<typeof connectionProvisioningFailedDetailSchema>;

export type OutcomeEvent =
  | { detailType: typeof CONNECTION_PROVISIONED; detail: ConnectionProvisionedDetail }
  | { detailType: typeof CONNECTION_PROVISIONING_FAILED; detail: ConnectionProvisioningFailedDetail };
