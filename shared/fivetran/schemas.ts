import * as z from 'zod/mini';
import '../runtime/zod-setup';

/**
 * The parts of Fivetran's answers the provisioner reads. Loose on purpose:
 * Fivetran adds fields over time and the provisioner must not break on them.
 */

export const connectionSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  group_id: z.string(),
  service: z.string(),
  schema: z.string(),
  status: z.optional(z.looseObject({ setup_state: z.optional(z.string()) })),
  setup_tests: z.optional(
    z.array(
      z.looseObject({
        title: z.string(),
        status: z.enum(['PASSED', 'SKIPPED', 'WARNING', 'FAILED', 'JOB_FAILED']),
        // Fivetran sends null for a test that has nothing to say.
        message: z.nullish(z.string()),
      }),
    ),
  ),
  connect_card: z.optional(z.looseObject({ uri: z.optional(z.string()) })),
});
export type FivetranConnection = z.infer<typeof connectionSchema>;

export const createConnectionAnswerSchema = z.looseObject({
  code: z.string(),
  message: z.optional(z.string()),
  data: connectionSchema,
});

/** `GET`, `PATCH /v1/connections/{id}` and `POST /v1/connections/{id}/test` answer with the connection. */
export const connectionAnswerSchema = createConnectionAnswerSchema;

/** `DELETE /v1/connections/{id}`: a code and a message, no data. */
export const deleteConnectionAnswerSchema = z.looseObject({ code: z.string(), message: z.optional(z.string()) });

export const listConnectionsAnswerSchema = z.looseObject({
  code: z.string(),
  data: z.looseObject({
    items: z.array(connectionSchema),
    next_cursor: z.nullish(z.string()),
  }),
});

/** `POST /v1/connections/{id}/connect-card`: a fresh Connect Card for an existing connection. */
export const connectCardAnswerSchema = z.looseObject({
  code: z.string(),
  data: z.looseObject({
    connector_id: z.string(),
    connect_card: z.looseObject({ uri: z.string().check(z.minLength(1)) }),
  }),
});

export const errorAnswerSchema = z.looseObject({
  code: z.optional(z.string()),
  message: z.optional(z.string()),
});
