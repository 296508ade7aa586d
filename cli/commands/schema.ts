import { parseArgs } from 'node:util';
import { eventJsonSchemas, lifecycleRequestJsonSchema, requestJsonSchema } from '../../shared/contracts/json-schemas';
import { LIFECYCLE_REQUEST_SCHEMA_VERSION } from '../../shared/contracts/lifecycle-request';
import { REQUEST_SCHEMA_VERSION } from '../../shared/contracts/request';
import type { CliIo } from '../io';
import { UsageError } from '../usage-error';

const PARTS = ['request', 'events'] as const;

/** `schema [request|events]`: prints the JSON Schemas of the requests (create, lifecycle) and of the events' `detail`. */
export async function schemaCommand(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true, strict: true });
  const part = positionals[0];
  if (positionals.length > 1 || (part !== undefined && !PARTS.includes(part as (typeof PARTS)[number]))) {
    throw new UsageError(`schema takes nothing, "request" or "events"`);
  }
  const request = requestJsonSchema;
  const events = eventJsonSchemas;
  // Alone, each is a plain JSON Schema a validator can load; together they carry the contract's version.
  const printed =
    part === 'request'
      ? request
      : part === 'events'
        ? events
        : {
            requestSchemaVersion: REQUEST_SCHEMA_VERSION,
            request,
            lifecycleRequestSchemaVersion: LIFECYCLE_REQUEST_SCHEMA_VERSION,
            lifecycleRequest: lifecycleRequestJsonSchema,
            events,
          };
  io.out(JSON.stringify(printed, null, 2));
  return 0;
}
