import * as z from 'zod/mini';
import { BACKFILL_COMPLETED, backfillCompletedDetailSchema } from './backfill-events';
import {
  CONNECTION_PROVISIONED,
  CONNECTION_PROVISIONING_FAILED,
  connectionProvisionedDetailSchema,
  connectionProvisioningFailedDetailSchema,
} from './events';
import {
  CONNECTION_CREDENTIALS_APPLIED,
  CONNECTION_DECOMMISSIONED,
  CONNECTION_LIFECYCLE_REQUEST_FAILED,
  CONNECTION_PAUSED,
  CONNECTION_RESUMED,
  CONNECTION_UPDATED,
  connectionCredentialsAppliedDetailSchema,
  connectionDecommissionedDetailSchema,
  connectionLifecycleRequestFailedDetailSchema,
  connectionPausedDetailSchema,
  connectionResumedDetailSchema,
  connectionUpdatedDetailSchema,
  LIFECYCLE_DETAIL_TYPES,
} from './lifecycle-events';
import { lifecycleRequestSchema } from './lifecycle-request';
import { provisioningRequestSchema } from './request';

/**
 * The contracts as JSON Schema (draft 2020-12), generated from the zod schemas the worker itself parses and
 * publishes with: a validator in any language holds a producer or a subscriber to exactly what the worker
 * accepts and sends. The stack's schema registry converts these same objects to draft 4
 * (infra/event-schemas.ts), so the registry and the package cannot disagree.
 *
 * Kept out of the modules the functions import: generating them costs a cold start nothing it needs.
 */

export type JsonSchema = { readonly [keyword: string]: unknown };

/** Every detail-type the provisioner publishes on its bus. */
export const EVENT_DETAIL_TYPES = [
  CONNECTION_PROVISIONED,
  CONNECTION_PROVISIONING_FAILED,
  BACKFILL_COMPLETED,
  ...LIFECYCLE_DETAIL_TYPES,
] as const;
export type EventDetailType = (typeof EVENT_DETAIL_TYPES)[number];

/** The SQS message body of a create (what `validateRequest` checks, less its refusal of unserializable values). */
export const requestJsonSchema: JsonSchema = z.toJSONSchema(provisioningRequestSchema);

/** The SQS message body of a lifecycle request (update, pause, resume, reapply_credentials, decommission), sent with `requestSchemaVersion` "2". */
export const lifecycleRequestJsonSchema: JsonSchema = z.toJSONSchema(lifecycleRequestSchema);

/** The `detail` of each event, keyed by its `detail-type`. */
export const eventJsonSchemas: Readonly<Record<EventDetailType, JsonSchema>> = {
  [CONNECTION_PROVISIONED]: z.toJSONSchema(connectionProvisionedDetailSchema),
  [CONNECTION_PROVISIONING_FAILED]: z.toJSONSchema(connectionProvisioningFailedDetailSchema),
  [BACKFILL_COMPLETED]: z.toJSONSchema(backfillCompletedDetailSchema),
  [CONNECTION_UPDATED]: z.toJSONSchema(connectionUpdatedDetailSchema),
  [CONNECTION_PAUSED]: z.toJSONSchema(connectionPausedDetailSchema),
  [CONNECTION_RESUMED]: z.toJSONSchema(connectionResumedDetailSchema),
  [CONNECTION_CREDENTIALS_APPLIED]: z.toJSONSchema(connectionCredentialsAppliedDetailSchema),
  [CONNECTION_DECOMMISSIONED]: z.toJSONSchema(connectionDecommissionedDetailSchema),
  [CONNECTION_LIFECYCLE_REQUEST_FAILED]: z.toJSONSchema(connectionLifecycleRequestFailedDetailSchema),
};
