import * as z from 'zod/mini';
import { LIFECYCLE_FAILURE_CODES } from './error-codes';
import { fivetranAnswerSchema, setupTestSchema } from './events';
import { CREDENTIALS_TRIGGERS, REQUEST_ACTIONS } from './lifecycle-request';
import { requestContextSchema } from './request';
import '../runtime/zod-setup';

/**
 * The events of lifecycle requests (update, pause, resume, reapply_credentials,
 * decommission). Like the provisioning events, each carries the `requestId`
 * and the `sqsMessageId` it is delivered under (the key to drop a repeat by).
 */

export const CONNECTION_UPDATED = 'Connection Updated';
export const CONNECTION_PAUSED = 'Connection Paused';
export const CONNECTION_RESUMED = 'Connection Resumed';
export const CONNECTION_CREDENTIALS_APPLIED = 'Connection Credentials Applied';
export const CONNECTION_DECOMMISSIONED = 'Connection Decommissioned';
export const CONNECTION_LIFECYCLE_REQUEST_FAILED = 'Connection Lifecycle Request Failed';

/** Every detail-type a lifecycle request can end in, in the order the docs list them. */
export const LIFECYCLE_DETAIL_TYPES = [
  CONNECTION_UPDATED,
  CONNECTION_PAUSED,
  CONNECTION_RESUMED,
  CONNECTION_CREDENTIALS_APPLIED,
  CONNECTION_DECOMMISSIONED,
  CONNECTION_LIFECYCLE_REQUEST_FAILED,
] as const;

const connectionFields = {
  requestId: z.string(),
  connectionId: z.string(),
  groupId: z.string(),
  schema: z.string(),
  sqsMessageId: z.string(),
  context: z.optional(requestContextSchema),
};

export const connectionUpdatedDetailSchema = z.object({
  ...connectionFields,
  /** The names of the settings the update sent (never their values' history). */
  changed: z.array(z.string()),
});

export const connectionPausedDetailSchema = z.object(connectionFields);
export const connectionResumedDetailSchema = z.object(connectionFields);

export const connectionCredentialsAppliedDetailSchema = z.object({
  ...connectionFields,
  /** The credentials secret's name: never a value from it. */
  secretName: z.string(),
  /** The version applied before, when the ledger knew one. */
  previousVersionId: z.nullable(z.string()),
  versionId: z.string(),
  trigger: z.enum(CREDENTIALS_TRIGGERS),
  /** Fivetran's setup tests with the new credentials; all passed, or this would be a failure. */
  setupTests: z.array(setupTestSchema),
  setupState: z.optional(z.string()),
});

export const connectionDecommissionedDetailSchema = z.object({
  ...connectionFields,
  /** `already_deleted`: Fivetran no longer had the connection (a repeat, or someone deleted it first). */
  outcome: z.enum(['deleted', 'already_deleted']),
});

export const connectionLifecycleRequestFailedDetailSchema = z.object({
  requestId: z.nullable(z.string()),
  action: z.optional(z.enum(REQUEST_ACTIONS)),
  connectionId: z.optional(z.string()),
  groupId: z.optional(z.string()),
  schema: z.optional(z.string()),
  errorCode: z.enum(LIFECYCLE_FAILURE_CODES),
  message: z.string(),
  retryable: z.boolean(),
  attempts: z.int().check(z.minimum(0)),
  fivetran: z.optional(fivetranAnswerSchema),
  /** SETUP_TESTS_FAILED: the tests Fivetran ran with the new credentials. */
  setupTests: z.optional(z.array(setupTestSchema)),
  sqsMessageId: z.string(),
  context: z.optional(requestContextSchema),
});

export type ConnectionUpdatedDetail = z.infer<typeof connectionUpdatedDetailSchema>;
export type ConnectionPausedDetail = z.infer<typeof connectionPausedDetailSchema>;
export type ConnectionResumedDetail = z.infer<typeof connectionResumedDetailSchema>;
export type ConnectionCredentialsAppliedDetail = z.infer<typeof connectionCredentialsAppliedDetailSchema>;
export type ConnectionDecommissionedDetail = z.infer<typeof connectionDecommissionedDetailSchema>;
export type ConnectionLifecycleRequestFailedDetail = z.infer<typeof connectionLifecycleRequestFailedDetailSchema>;

export type LifecycleEvent =
  | { detailType: typeof CONNECTION_UPDATED; detail: ConnectionUpdatedDetail }
  | { detailType: typeof CONNECTION_PAUSED; detail: ConnectionPausedDetail }
  | { detailType: typeof CONNECTION_RESUMED; detail: ConnectionResumedDetail }
  | { detailType: typeof CONNECTION_CREDENTIALS_APPLIED; detail: ConnectionCredentialsAppliedDetail }
  | { detailType: typeof CONNECTION_DECOMMISSIONED; detail: ConnectionDecommissionedDetail }
  | { detailType: typeof CONNECTION_LIFECYCLE_REQUEST_FAILED; detail: ConnectionLifecycleRequestFailedDetail };
