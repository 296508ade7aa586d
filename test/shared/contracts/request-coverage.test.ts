import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { gitlabContract } from '../../../local/fivetran-sandbox/contract';
import { patRequest } from '../../../local/world/fixtures';
import { gitlabConnectionSchema, provisioningRequestSchema } from '../../../shared/contracts/request';

type JsonSchema = { [keyword: string]: unknown };

/** Field paths of a JSON Schema object (allOf merged), with the schema found at each. */
function fieldsOf(schema: JsonSchema, prefix = ''): Map<string, JsonSchema> {
  const fields = new Map<string, JsonSchema>();
  const parts = Array.isArray(schema.allOf) ? (schema.allOf as JsonSchema[]) : [schema];
  for (const part of parts) {
    const properties = (part.properties ?? {}) as Record<string, JsonSchema>;
    for (const [name, child] of Object.entries(properties)) {
      const path = `${prefix}${name}`;
      fields.set(path, { ...fields.get(path), ...child });
      for (const [nested, nestedSchema] of fieldsOf(child, `${path}.`)) {
        fields.set(nested, { ...fields.get(nested), ...nestedSchema });
      }
    }
  }
  return fields;
}

const definition = fieldsOf(gitlabContract.schemas.createRequest as JsonSchema);
const ours = fieldsOf(z.toJSONSchema(gitlabConnectionSchema) as JsonSchema);

describe('the request contract covers Fivetran’s GitLab create request', () => {
  it('has every field of the definition, and no field the definition lacks', () => {
    expect([...ours.keys()].sort()).toEqual([...definition.keys()].sort());
  });

  it('refuses exactly the fields the definition marks as passwords', () => {
    const passwords = [...definition].filter(([, schema]) => schema.format === 'password').map(([path]) => path);
    const refused = [...ours].filter(([, schema]) => JSON.stringify(schema.not) === '{}').map(([path]) => path);
    expect(refused.sort()).toEqual(passwords.sort());
  });

  it.each([...definition].filter(([, schema]) => Array.isArray(schema.enum)))(
    'accepts every value the definition allows for %s',
    (path, schema) => {
      for (const value of schema.enum as unknown[]) {
        const request = structuredClone(patRequest()) as Record<string, any>;
        const keys = path.split('.');
        let target = request.connection;
        for (const key of keys.slice(0, -1)) target = target[key] ??= {};
        target[keys.at(-1)!] = value;
        // daily_sync_time only goes with the daily schedule; the test varies one field at a time.
        if (path === 'sync_frequency') delete request.connection.daily_sync_time;
        const result = provisioningRequestSchema.safeParse(request);
        expect(result.success, `${path} = ${JSON.stringify(value)}: ${result.error?.message}`).toBe(true);
      }
    },
  );
});
