import * as z from 'zod/mini';
import { fivetranIdSchema, gitlabConnectionSchema, requestContextSchema, requestIdSchema, SCHEMA_NAME_PATTERN } from './request';
import '../runtime/zod-setup';

/**
 * Requests that act on a connection the provisioner made: change it, pause
 * or resume it, re-apply its credentials from the current version of its
 * secret, or delete it. They travel on the same queue as creates, with the
 * message attribute `requestSchemaVersion` "2", and name their target either
 * by its Fivetran id or by the id of the create request that made it.
 */

/** The schema version of a lifecycle request (creates are valid under it too). */
export const LIFECYCLE_REQUEST_SCHEMA_VERSION = '2';

export const REQUEST_ACTIONS = ['create', 'update', 'pause', 'resume', 'reapply_credentials', 'decommission'] as const;
export type RequestAction = (typeof REQUEST_ACTIONS)[number];
export type LifecycleAction = Exclude<RequestAction, 'create'>;

/** Why credentials are re-applied: someone asked, Secrets Manager rotated the secret, or the drift check found the connection behind. */
export const CREDENTIALS_TRIGGERS = ['request', 'rotation', 'drift'] as const;
export type CredentialsTrigger = (typeof CREDENTIALS_TRIGGERS)[number];

/** Secrets Manager version ids are UUIDs (32 to 64 characters of letters, digits and hyphens). */
export const secretVersionIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9-]{32,64}$/, { error: 'must be a Secrets Manager version id (32 to 64 of A-Za-z0-9-)' }));

export const targetSchema = z.union([z.strictObject({ connectionId: fivetranIdSchema }), z.strictObject({ requestId: requestIdSchema })], {
  error: 'must be {"connectionId": "<Fivetran connection id>"} or {"requestId": "<id of the create request that made it>"}',
});

const notChangeable = (why: string) => z.optional(z.never({ error: `cannot be changed by an update: ${why}` }));
const shape = gitlabConnectionSchema.def.shape;

/**
 * What an update may change: the non-secret settings Fivetran's
 * `PATCH /v1/connections/{id}` takes. The schema is fixed when the connection
 * is made, and credentials come only from the credentials secret
 * (`reapply_credentials`), so neither `config` nor `auth` is accepted here.
 */
export const connectionChangesSchema = z
  .strictObject({
    paused: shape.paused,
    pause_after_trial: shape.pause_after_trial,
    sync_frequency: shape.sync_frequency,
    schedule_type: shape.schedule_type,
    daily_sync_time: shape.daily_sync_time,
    data_delay_sensitivity: shape.data_delay_sensitivity,
    data_delay_threshold: shape.data_delay_threshold,
    networking_method: shape.networking_method,
    proxy_agent_id: shape.proxy_agent_id,
    private_link_id: shape.private_link_id,
    hybrid_deployment_agent_id: shape.hybrid_deployment_agent_id,
    config: notChangeable(
      'the schema is fixed when the connection is made, and credentials are re-applied from the credentials secret with action "reapply_credentials"',
    ),
    auth: notChangeable('credentials are re-applied from the credentials secret with action "reapply_credentials"'),
    group_id: notChangeable('a connection stays in the group it was made in'),
    service: notChangeable('a connection keeps its service'),
  })
  .check((ctx) => {
    const { daily_sync_time, sync_frequency } = ctx.value;
    if (Object.values(ctx.value).every((value) => value === undefined)) {
      ctx.issues.push({ code: 'custom', input: ctx.value, path: [], message: 'must name at least one setting to change' });
    }
    if (daily_sync_time !== undefined && sync_frequency !== undefined && sync_frequency !== 1440) {
      ctx.issues.push({
        code: 'custom',
        input: daily_sync_time,
        path: ['daily_sync_time'],
        message: 'is only allowed with sync_frequency 1440',
      });
    }
  });

const common = {
  requestId: requestIdSchema,
  target: targetSchema,
  context: z.optional(requestContextSchema),
};

export const updateRequestSchema = z.strictObject({ ...common, action: z.literal('update'), changes: connectionChangesSchema });
export const pauseRequestSchema = z.strictObject({ ...common, action: z.literal('pause') });
export const resumeRequestSchema = z.strictObject({ ...common, action: z.literal('resume') });
export const reapplyCredentialsRequestSchema = z.strictObject({
  ...common,
  action: z.literal('reapply_credentials'),
  /** The version to apply; absent: the secret's AWSCURRENT version. An older version than the current one is stale and does nothing. */
  secretVersionId: z.optional(secretVersionIdSchema),
  trigger: z.optional(z.enum(CREDENTIALS_TRIGGERS)),
});
export const decommissionRequestSchema = z.strictObject({
  ...common,
  action: z.literal('decommission'),
  /** Must equal the connection's schema: a typo in a connection id cannot delete the wrong connection. */
  confirmSchema: z
    .string({ error: "is required: the connection's destination schema, to confirm the deletion" })
    .check(z.maxLength(128), z.regex(SCHEMA_NAME_PATTERN, { error: 'must be a schema name' })),
});

export const lifecycleRequestSchema = z.discriminatedUnion('action', [
  updateRequestSchema,
  pauseRequestSchema,
  resumeRequestSchema,
  reapplyCredentialsRequestSchema,
  decommissionRequestSchema,
]);

export type ConnectionTarget = z.infer<typeof targetSchema>;
export type ConnectionChanges = z.infer<typeof connectionChangesSchema>;
export type UpdateRequest = z.infer<typeof updateRequestSchema>;
export type PauseRequest = z.infer<typeof pauseRequestSchema>;
export type ResumeRequest = z.infer<typeof resumeRequestSchema>;
export type ReapplyCredentialsRequest = z.infer<typeof reapplyCredentialsRequestSchema>;
export type DecommissionRequest = z.infer<typeof decommissionRequestSchema>;
export type LifecycleRequest = z.infer<typeof lifecycleRequestSchema>;

/**
 * The request the rotation fan-out and the drift check send for one
 * connection and one secret version. Its id is the same whoever sends it, so
 * a rotation seen by both becomes one request (the ledger answers the second).
 *
 * @example reapplyRequestFor('conn_1', '5f0c…', 'rotation') // { requestId: 'rotate:conn_1:5f0c…', … }
 */
export function reapplyRequestFor(connectionId: string, secretVersionId: string, trigger: CredentialsTrigger): ReapplyCredentialsRequest {
  return {
    requestId: `rotate:${connectionId}:${secretVersionId}`,
    action: 'reapply_credentials',
    target: { connectionId },
    secretVersionId,
    trigger,
  };
}
