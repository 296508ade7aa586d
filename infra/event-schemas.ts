import { BACKFILL_COMPLETED } from '../shared/contracts/backfill-events';
import { CONNECTION_PROVISIONED, CONNECTION_PROVISIONING_FAILED } from '../shared/contracts/events';
import { eventJsonSchemas } from '../shared/contracts/json-schemas';
import { LIFECYCLE_DETAIL_TYPES } from '../shared/contracts/lifecycle-events';

/**
 * EventBridge's schema registry accepts OpenAPI 3 and JSON Schema *draft 4*
 * only, while zod emits draft 2020-12. This module turns the zod output for an
 * event detail into a draft-4 schema of the whole EventBridge event (envelope
 * plus detail), which is the shape the registry's code-binding generators and
 * its own exported schemas use.
 */

export type JsonSchema = { [keyword: string]: unknown };

export const DRAFT_04 = 'http://json-schema.org/draft-04/schema#';

/** The detail types the provisioner publishes, in a stable order. */
export const OUTCOME_DETAIL_TYPES = [CONNECTION_PROVISIONED, CONNECTION_PROVISIONING_FAILED] as const;

/**
 * 2019-09/2020-12 keywords with no draft-4 equivalent. Dropping them would
 * silently loosen or break the contract subscribers validate against, so the
 * conversion refuses them and synth fails naming the keyword and its path.
 */
const UNSUPPORTED = new Set([
  'if',
  'then',
  'else',
  'contains',
  'minContains',
  'maxContains',
  'unevaluatedProperties',
  'unevaluatedItems',
  '$id',
  '$anchor',
  '$dynamicRef',
  '$dynamicAnchor',
  '$recursiveRef',
  '$recursiveAnchor',
  '$vocabulary',
  'contentSchema',
]);

/** Annotations newer than draft 4 that validators ignore anyway: safe to drop. */
const DROPPED = new Set(['$schema', '$comment', 'examples', 'readOnly', 'writeOnly', 'deprecated', 'contentEncoding', 'contentMediaType']);

/** Keywords whose value is a single subschema. */
const SCHEMA_VALUED = new Set(['additionalProperties', 'items', 'additionalItems', 'not']);
/** Keywords whose value is a list of subschemas. */
const SCHEMA_LIST_VALUED = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
/** Keywords whose value maps names to subschemas. */
const SCHEMA_MAP_VALUED = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

const isObject = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Turns a detail-type such as "Connection Provisioned" into "ConnectionProvisioned". */
export function pascalCase(detailType: string): string {
  return detailType
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');
}

class Draft4Converter {
  /** Subschemas hoisted out of the detail's `$defs` into the envelope's `definitions`. */
  readonly hoisted: Record<string, JsonSchema> = {};

  constructor(private readonly detailName: string) {}

  /** Rewrites a ref relative to the detail's root so it still resolves once the detail sits under `definitions`. */
  private ref(ref: string, at: string): string {
    if (!ref.startsWith('#')) throw new Error(`${at}: only local $ref values can be converted, got "${ref}"`);
    const pointer = ref.slice(1);
    for (const defs of ['/$defs/', '/definitions/']) {
      if (pointer.startsWith(defs)) return `#/definitions/${pointer.slice(defs.length)}`;
    }
    return `#/definitions/${this.detailName}${pointer}`;
  }

  convert(schema: unknown, at: string): unknown {
    if (typeof schema === 'boolean') {
      // Draft 4 has no boolean schemas; {} and {"not":{}} mean the same thing.
      return schema ? {} : { not: {} };
    }
    if (!isObject(schema)) throw new Error(`${at}: expected a schema object, got ${JSON.stringify(schema)}`);

    const out: JsonSchema = {};
    for (const [keyword, value] of Object.entries(schema)) {
      const path = `${at}/${keyword}`;
      if (UNSUPPORTED.has(keyword)) throw new Error(`${path}: JSON Schema keyword "${keyword}" has no draft-4 equivalent`);
      if (DROPPED.has(keyword)) continue;
      switch (keyword) {
        case 'const':
          out.enum = [value];
          break;
        case 'exclusiveMinimum':
        case 'exclusiveMaximum': {
          // Draft 6+ gives the bound itself; draft 4 flags the inclusive bound as exclusive.
          const bound = keyword === 'exclusiveMinimum' ? 'minimum' : 'maximum';
          if (typeof value !== 'number') throw new Error(`${path}: expected a number`);
          if (schema[bound] !== undefined) throw new Error(`${path}: both ${bound} and ${keyword} are set`);
          out[bound] = value;
          out[keyword] = true;
          break;
        }
        case 'propertyNames':
          // JSON object keys are always strings, so {"type":"string"} constrains nothing; anything else would be lost.
          if (!(isObject(value) && Object.keys(value).length === 1 && value.type === 'string')) {
            throw new Error(`${path}: JSON Schema keyword "propertyNames" has no draft-4 equivalent`);
          }
          break;
        case 'dependentRequired':
          out.dependencies = { ...(out.dependencies as JsonSchema | undefined), ...(value as JsonSchema) };
          break;
        case 'dependentSchemas':
          out.dependencies = { ...(out.dependencies as JsonSchema | undefined), ...this.convertMap(value, path) };
          break;
        case '$ref':
          out.$ref = this.ref(String(value), path);
          break;
        case '$defs':
        case 'definitions':
          for (const [name, def] of Object.entries(this.convertMap(value, path))) {
            if (name === this.detailName || name in this.hoisted) throw new Error(`${path}/${name}: definition name collides`);
            this.hoisted[name] = def as JsonSchema;
          }
          break;
        case 'prefixItems':
          // 2020-12 tuples: prefixItems + items(rest) become draft-4 items[] + additionalItems.
          out.items = (value as unknown[]).map((item, index) => this.convert(item, `${path}/${index}`));
          if (schema.items !== undefined) out.additionalItems = this.convertAdditional('additionalItems', schema.items, `${at}/items`);
          break;
        case 'items':
          if (schema.prefixItems === undefined) out.items = this.convert(value, path);
          break;
        default:
          if (SCHEMA_VALUED.has(keyword)) out[keyword] = this.convertAdditional(keyword, value, path);
          else if (SCHEMA_LIST_VALUED.has(keyword))
            out[keyword] = (value as unknown[]).map((item, index) => this.convert(item, `${path}/${index}`));
          else if (SCHEMA_MAP_VALUED.has(keyword)) out[keyword] = this.convertMap(value, path);
          else out[keyword] = value;
      }
    }
    // Draft 4 ignores everything next to a $ref; keep those constraints by moving the ref into allOf.
    if (typeof out.$ref === 'string' && Object.keys(out).length > 1) {
      const { $ref, ...rest } = out;
      return { ...rest, allOf: [{ $ref }, ...((rest.allOf as unknown[] | undefined) ?? [])] };
    }
    return out;
  }

  private convertAdditional(keyword: string, value: unknown, path: string): unknown {
    // additionalProperties/additionalItems keep their boolean form in draft 4.
    if (typeof value === 'boolean' && (keyword === 'additionalProperties' || keyword === 'additionalItems')) return value;
    return this.convert(value, path);
  }

  private convertMap(value: unknown, path: string): JsonSchema {
    if (!isObject(value)) throw new Error(`${path}: expected an object of schemas`);
    return Object.fromEntries(Object.entries(value).map(([name, schema]) => [name, this.convert(schema, `${path}/${name}`)]));
  }
}

/**
 * The draft-4 schema of a whole EventBridge event whose `detail` follows
 * `detailSchema` (a draft 2020-12 schema as zod emits it).
 */
export function eventBridgeEventSchema(options: {
  detailType: string;
  source: string;
  detailSchema: unknown;
  description?: string | undefined;
}): JsonSchema {
  const detailName = pascalCase(options.detailType);
  const converter = new Draft4Converter(detailName);
  const detail = converter.convert(options.detailSchema, `#/definitions/${detailName}`);
  return {
    $schema: DRAFT_04,
    title: 'AWSEvent',
    ...(options.description ? { description: options.description } : {}),
    type: 'object',
    'x-amazon-events-source': options.source,
    'x-amazon-events-detail-type': options.detailType,
    required: ['detail-type', 'resources', 'detail', 'id', 'source', 'time', 'region', 'version', 'account'],
    properties: {
      account: { type: 'string' },
      detail: { $ref: `#/definitions/${detailName}` },
      'detail-type': { type: 'string', enum: [options.detailType] },
      id: { type: 'string' },
      region: { type: 'string' },
      resources: { type: 'array', items: { type: 'string' } },
      source: { type: 'string', enum: [options.source] },
      time: { type: 'string', format: 'date-time' },
      version: { type: 'string' },
    },
    definitions: { [detailName]: detail, ...converter.hoisted },
  };
}

/** One registry entry per outcome detail type, ready for `AWS::EventSchemas::Schema`. */
export interface OutcomeEventSchema {
  readonly detailType: string;
  /** `<source>@<DetailTypeInPascalCase>`, the naming EventBridge uses for discovered schemas. */
  readonly schemaName: string;
  readonly content: JsonSchema;
}

/**
 * The draft-4 schemas of every outcome event, from the package's `eventJsonSchemas` (shared/contracts): the
 * registry and the schemas subscribers import are one source.
 */
export function outcomeEventSchemas(source: string): OutcomeEventSchema[] {
  return OUTCOME_DETAIL_TYPES.map((detailType) => registryEntry(source, detailType, eventJsonSchemas[detailType]));
}

/** The draft-4 schema of the `Backfill Completed` event, from the package's `eventJsonSchemas` as well. */
export function backfillEventSchema(source: string): OutcomeEventSchema {
  return registryEntry(source, BACKFILL_COMPLETED, eventJsonSchemas[BACKFILL_COMPLETED]);
}

function registryEntry(source: string, detailType: string, detailSchema: unknown): OutcomeEventSchema {
  return {
    detailType,
    schemaName: `${source.replace(/[^A-Za-z0-9._-]/g, '.')}@${pascalCase(detailType)}`,
    content: eventBridgeEventSchema({
      detailType,
      source,
      detailSchema,
      description: `"${detailType}" events that the Fivetran provisioner publishes with source "${source}".`,
    }),
  };
}

/** The draft-4 schemas of the six lifecycle events, from the package's `eventJsonSchemas` as the others are: one source. */
export function lifecycleEventSchemas(source: string): OutcomeEventSchema[] {
  return LIFECYCLE_DETAIL_TYPES.map((detailType) => registryEntry(source, detailType, eventJsonSchemas[detailType]));
}
