import { z } from 'zod';

/**
 * The parts of Fivetran's answers the provisioner reads. Loose on purpose:
 * Fivetran adds fields over time and the provisioner must not break on them.
 */

export const connectionSchema = z.looseObject({
  id: z.string().min(1),
  group_id: z.string(),
  service: z.string(),
  schema: z.string(),
  status: z.looseObject({ setup_state: z.string().optional() }).optional(),
  setup_tests: z
    .array(
      z.looseObject({
        title: z.string(),
        status: z.enum(['PASSED', 'SKIPPED', 'WARNING', 'FAILED', 'JOB_FAILED']),
        message: z.string().optional(),
      }),
    )
    .optional(),
  connect_card: z.looseObject({ uri: z.string().optional() }).optional(),
});
export type FivetranConnection = z.infer<typeof connectionSchema>;

export const createConnectionAnswerSchema = z.looseObject({
  code: z.string(),
  message: z.string().optional(),
  data: connectionSchema,
});

export const listConnectionsAnswerSchema = z.looseObject({
  code: z.string(),
  data: z.looseObject({
    items: z.array(connectionSchema),
    next_cursor: z.string().nullish(),
  }),
});

export const errorAnswerSchema = z.looseObject({
  code: z.string().optional(),
  message: z.string().optional(),
});
