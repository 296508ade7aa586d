import * as z from 'zod/mini';
import { BACKFILL_COMPLETED, backfillCompletedDetailSchema } from './backfill-events';
import {
  CONNECTION_PROVISIONED,
  CONNECTION_PROVISIONING_FAILED,
  connectionProvisionedDetailSchema,
  connectionProvisioningFailedDetailSchema,
} from './events';
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
export const EVENT_DETAIL_TYPES = [CONNECTION_PROVISIONED, CONNECTION_PROVISIONING_FAILED, BACKFILL_COMPLETED] as const;
export type EventDetailType = (typeof EVENT_DETAIL_TYPES)[number];

/** The SQS message body a producer sends (what `validateRequest` checks, less its refusal of unserializable values). */
export const requestJsonSchema: JsonSchema = z.toJSONSchema(provisioningRequestSchema);

/** The `detail` of each event, keyed by its `detail-type`. */
export const eventJsonSchemas: Readonly<Record<EventDetailType, JsonSchema>> = {
  [CONNECTION_PROVISIONED]: z.toJSONSchema(connectionProvisionedDetailSchema),
  [CONNECTION_PROVISIONING_FAILED]: z.toJSONSchema(connectionProvisioningFailedDetailSchema),
  [BACKFILL_COMPLETED]: z.toJSONSchema(backfillCompletedDetailSchema),
};
