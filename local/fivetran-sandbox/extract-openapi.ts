/**
 * Extracts the GitLab connection contract from Fivetran's OpenAPI 3.0.1 definition.
 *
 *   npx tsx local/fivetran-sandbox/extract-openapi.ts [path-to-openapi.json]
 *
 * The definition (3 MB, outside the repo) describes hundreds of services through
 * discriminators. The sandbox and the product only need the GitLab create request, the
 * envelopes of the connection routes, the update and setup-test requests and the Connect Card route, so this
 * script narrows those to `gitlab`,
 * inlines every `$ref`, drops `discriminator`, applies the documented quirks (all in
 * DEFINITION_QUIRKS below) and writes `openapi-gitlab.json` next to this file. The repo
 * depends on that generated file only, never on the definition at runtime.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type JsonSchema = { [keyword: string]: unknown };

/** The self-contained schema set written to openapi-gitlab.json. */
export interface GitlabContract {
  $comment: string;
  source: { openapi: string; title: string; version: string };
  quirks: QuirkRecord[];
  schemas: Record<ContractSchemaName, JsonSchema>;
}

export type ContractSchemaName =
  | 'createRequest'
  | 'createResponse'
  | 'getResponse'
  | 'listResponse'
  | 'groupListResponse'
  | 'deleteResponse'
  | 'updateRequest'
  | 'updateResponse'
  | 'setupTestsRequest'
  | 'setupTestsResponse'
  | 'connectCardRequest'
  | 'connectCardResponse';

export interface QuirkRecord {
  component: string;
  property: string;
  declared: string;
  readAs: string;
}

/** The definition does not have the shape this extraction was written for: review before regenerating. */
export class ContractExtractionError extends Error {
  override name = 'ContractExtractionError';
}

interface DefinitionQuirk {
  component: string;
  /** Property names from the component root, e.g. ['config', 'auth']. */
  property: readonly string[];
  declared: string;
  readAs: string;
  /** True while the definition still declares the field the inconsistent way. */
  isDeclaredInconsistently: (schema: JsonSchema) => boolean;
  correct: (schema: JsonSchema) => JsonSchema;
}

const OBJECT_WITH_STRING_ENUM_IS_A_STRING = {
  declared: 'type object with a string enum',
  readAs: 'type string with the same enum (Fivetran examples send plain strings)',
  isDeclaredInconsistently: (schema: JsonSchema) =>
    schema.type === 'object' && Array.isArray(schema.enum) && schema.enum.every((value) => typeof value === 'string'),
  correct: (schema: JsonSchema): JsonSchema => ({ ...schema, type: 'string' }),
};

const INTEGER_WITH_STRING_ENUM_IS_AN_INTEGER_ENUM = {
  declared: 'type integer with an enum written as strings',
  readAs: 'type integer with the same enum as integers (Fivetran examples send integers)',
  isDeclaredInconsistently: (schema: JsonSchema) =>
    schema.type === 'integer' &&
    Array.isArray(schema.enum) &&
    schema.enum.every((value) => typeof value === 'string' && /^\d+$/.test(value)),
  correct: (schema: JsonSchema): JsonSchema => ({
    ...schema,
    enum: (schema.enum as string[]).map((value) => Number(value)),
  }),
};

/**
 * The one place where the extracted contract departs from the definition text: fields the
 * definition declares one way while Fivetran's own examples (and API) use another. See
 * ../shared/fivetran/README.md (beside the repository), "GitLab config quirks".
 */
const DEFINITION_QUIRKS: readonly DefinitionQuirk[] = [
  { component: 'gitlab_config_V1', property: ['config', 'auth'], ...OBJECT_WITH_STRING_ENUM_IS_A_STRING },
  { component: 'gitlab_config_V1', property: ['config', 'base_url'], ...OBJECT_WITH_STRING_ENUM_IS_A_STRING },
  { component: 'NewConnectorRequestV1', property: ['sync_frequency'], ...INTEGER_WITH_STRING_ENUM_IS_AN_INTEGER_ENUM },
  { component: 'ConnectorResponseV1', property: ['sync_frequency'], ...INTEGER_WITH_STRING_ENUM_IS_AN_INTEGER_ENUM },
  { component: 'UpdateConnectorRequest', property: ['sync_frequency'], ...INTEGER_WITH_STRING_ENUM_IS_AN_INTEGER_ENUM },
];

/**
 * The definition types an update's `config` as any object and its `auth` as anything; the GitLab
 * members are how the create request is narrowed to GitLab (`gitlab_NewConnectorRequestV1`'s allOf).
 */
const GITLAB_UPDATE_MEMBERS = ['gitlab_config_V1', 'gitlab_auth_V1'] as const;

const SERVICE = 'gitlab';
const CONNECT_CARD_PATH = '/v1/connections/{connectionId}/connect-card';
const CONNECTION_PATH = '/v1/connections/{connectionId}';
const SETUP_TESTS_PATH = '/v1/connections/{connectionId}/test';
const COMPONENT_REF_PREFIX = '#/components/schemas/';

/**
 * Derives the GitLab contract from a parsed Fivetran OpenAPI document. Pure: the input is
 * not modified, and the same document always yields the same (deep-equal) contract.
 */
export function extractGitlabContract(openapiDocument: unknown): GitlabContract {
  const document = asObject(openapiDocument, 'the OpenAPI document');
  const components = asObject(asObject(document.components, 'components').schemas, 'components.schemas');
  const patchedComponents = applyDefinitionQuirks(components);
  const inline = (schema: unknown) => inlineSchema(schema, patchedComponents, []);
  const info = asObject(document.info, 'info');

  const createRequestRef = refOf(mediaSchema(operation(document, '/v1/connections', 'post').requestBody, 'POST /v1/connections request'));
  const schemas: Record<ContractSchemaName, JsonSchema> = {
    createRequest: withComment(
      inline({ $ref: narrowToService(createRequestRef, components) }),
      `POST /v1/connections request body, ${componentName(narrowToService(createRequestRef, components))}`,
    ),
    createResponse: envelope(document, components, inline, '/v1/connections', 'post', '201'),
    getResponse: envelope(document, components, inline, CONNECTION_PATH, 'get', '200'),
    listResponse: envelope(document, components, inline, '/v1/connections', 'get', '200'),
    groupListResponse: envelope(document, components, inline, '/v1/groups/{groupId}/connections', 'get', '200'),
    deleteResponse: envelope(document, components, inline, CONNECTION_PATH, 'delete', '200'),
    updateRequest: withComment(
      {
        allOf: [
          inline(mediaSchema(operation(document, CONNECTION_PATH, 'patch').requestBody, `PATCH ${CONNECTION_PATH} request`)),
          ...GITLAB_UPDATE_MEMBERS.map((name) => inline({ $ref: `${COMPONENT_REF_PREFIX}${name}` })),
        ],
      },
      `PATCH ${CONNECTION_PATH} request body, UpdateConnectorRequest narrowed by ${GITLAB_UPDATE_MEMBERS.join(' and ')}`,
    ),
    updateResponse: envelope(document, components, inline, CONNECTION_PATH, 'patch', '200'),
    setupTestsRequest: withComment(
      inline(mediaSchema(operation(document, SETUP_TESTS_PATH, 'post').requestBody, `POST ${SETUP_TESTS_PATH} request`)),
      `POST ${SETUP_TESTS_PATH} request body, RunSetupTestsRequest`,
    ),
    setupTestsResponse: envelope(document, components, inline, SETUP_TESTS_PATH, 'post', '200'),
    connectCardRequest: withComment(
      inline(mediaSchema(operation(document, CONNECT_CARD_PATH, 'post').requestBody, `POST ${CONNECT_CARD_PATH} request`)),
      `POST ${CONNECT_CARD_PATH} request body`,
    ),
    connectCardResponse: envelope(document, components, inline, CONNECT_CARD_PATH, 'post', '200'),
  };
  for (const [name, schema] of Object.entries(schemas)) assertEnumsMatchTypes(schema, name);

  return {
    $comment:
      "Generated by local/fivetran-sandbox/extract-openapi.ts from Fivetran's OpenAPI definition; do not edit. " +
      'Regenerate with: npx tsx local/fivetran-sandbox/extract-openapi.ts [path-to-openapi.json]',
    source: { openapi: String(document.openapi), title: String(info.title), version: String(info.version) },
    quirks: DEFINITION_QUIRKS.map((quirk) => ({
      component: quirk.component,
      property: quirk.property.join('.'),
      declared: quirk.declared,
      readAs: quirk.readAs,
    })),
    schemas,
  };
}

/** The exact text committed as openapi-gitlab.json (2-space JSON, trailing newline). */
export function renderGitlabContract(contract: GitlabContract): string {
  return `${JSON.stringify(contract, null, 2)}\n`;
}

/** The 2xx body schema of one operation, its `data` narrowed to the GitLab variant, all refs inlined. */
function envelope(
  document: JsonSchema,
  components: JsonSchema,
  inline: (schema: unknown) => JsonSchema,
  path: string,
  method: string,
  status: string,
): JsonSchema {
  const responses = asObject(operation(document, path, method).responses, `${method} ${path} responses`);
  const schema = mediaSchema(responses[status], `${method.toUpperCase()} ${path} ${status}`);
  const properties = asObject(schema.properties, `${method.toUpperCase()} ${path} ${status} properties`);
  const data = properties.data;
  const narrowed =
    data !== undefined && typeof asObject(data, 'data').$ref === 'string'
      ? { ...schema, properties: { ...properties, data: { $ref: narrowToService(refOf(asObject(data, 'data')), components) } } }
      : schema;
  return withComment(inline(narrowed), `${method.toUpperCase()} ${path} ${status} response body`);
}

/** Follows the `service` discriminator to the GitLab variant, the only mapping this contract uses. */
function narrowToService(ref: string, components: JsonSchema): string {
  const target = asObject(components[componentName(ref)], ref);
  if (target.discriminator === undefined) return ref;
  const discriminator = asObject(target.discriminator, `${ref} discriminator`);
  const mapped = asObject(discriminator.mapping, `${ref} discriminator mapping`)[SERVICE];
  if (discriminator.propertyName !== 'service' || typeof mapped !== 'string') {
    throw new ContractExtractionError(`${ref} has no '${SERVICE}' mapping on its 'service' discriminator`);
  }
  return mapped;
}

function applyDefinitionQuirks(components: JsonSchema): JsonSchema {
  const patched: JsonSchema = { ...components };
  for (const quirk of DEFINITION_QUIRKS) {
    const root = structuredClone(asObject(patched[quirk.component], quirk.component));
    let parent = root;
    for (const name of quirk.property.slice(0, -1)) {
      parent = asObject(asObject(parent.properties, `${quirk.component} properties`)[name], `${quirk.component}.${name}`);
    }
    const leafName = quirk.property.at(-1) as string;
    const parentProperties = asObject(parent.properties, `${quirk.component} properties`);
    const field = asObject(parentProperties[leafName], `${quirk.component}.${quirk.property.join('.')}`);
    if (!quirk.isDeclaredInconsistently(field)) {
      throw new ContractExtractionError(
        `${quirk.component}.${quirk.property.join('.')} is no longer declared as ${quirk.declared}: review DEFINITION_QUIRKS`,
      );
    }
    parentProperties[leafName] = quirk.correct(field);
    patched[quirk.component] = root;
  }
  return patched;
}

/** Copies a schema with every component `$ref` replaced by the (recursively inlined) component. */
function inlineSchema(node: unknown, components: JsonSchema, trail: readonly string[]): JsonSchema {
  const schema = asObject(node, trail.join(' > ') || 'schema');
  if (typeof schema.$ref === 'string') {
    const name = componentName(schema.$ref);
    if (trail.includes(name)) throw new ContractExtractionError(`cyclic $ref ${[...trail, name].join(' > ')}`);
    return inlineSchema(components[name], components, [...trail, name]);
  }
  const copy: JsonSchema = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'discriminator') continue;
    if (keyword === 'properties') {
      const properties = asObject(value, 'properties');
      copy.properties = Object.fromEntries(
        Object.entries(properties).map(([name, property]) => [name, inlineSchema(property, components, trail)]),
      );
    } else if (keyword === 'allOf' || keyword === 'anyOf' || keyword === 'oneOf') {
      copy[keyword] = (value as unknown[]).map((member) => inlineSchema(member, components, trail));
    } else if ((keyword === 'items' || keyword === 'additionalProperties' || keyword === 'not') && typeof value === 'object') {
      copy[keyword] = inlineSchema(value, components, trail);
    } else {
      copy[keyword] = structuredClone(value);
    }
  }
  return copy;
}

/** Guards against quirks nobody has listed yet: an enum value of the wrong type makes the field unsendable. */
function assertEnumsMatchTypes(schema: JsonSchema, where: string): void {
  if (Array.isArray(schema.enum) && typeof schema.type === 'string') {
    const expected = schema.type === 'integer' || schema.type === 'number' ? 'number' : schema.type;
    const mismatched = schema.enum.filter((value) => typeof value !== expected);
    if (mismatched.length > 0) {
      throw new ContractExtractionError(
        `${where} is declared ${schema.type} but enumerates ${JSON.stringify(mismatched)}: add it to DEFINITION_QUIRKS`,
      );
    }
  }
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'properties') {
      for (const [name, property] of Object.entries(value as JsonSchema)) {
        assertEnumsMatchTypes(property as JsonSchema, `${where}.${name}`);
      }
    } else if (keyword === 'allOf' || keyword === 'anyOf' || keyword === 'oneOf') {
      for (const member of value as JsonSchema[]) assertEnumsMatchTypes(member, where);
    } else if ((keyword === 'items' || keyword === 'additionalProperties') && typeof value === 'object') {
      assertEnumsMatchTypes(value as JsonSchema, `${where}[]`);
    }
  }
}

function operation(document: JsonSchema, path: string, method: string): JsonSchema {
  const pathItem = asObject(asObject(document.paths, 'paths')[path], `path ${path}`);
  return asObject(pathItem[method], `${method.toUpperCase()} ${path}`);
}

function mediaSchema(holder: unknown, where: string): JsonSchema {
  const content = asObject(asObject(holder, where).content, `${where} content`);
  return asObject(asObject(content['application/json'], `${where} application/json`).schema, `${where} schema`);
}

function refOf(schema: JsonSchema): string {
  if (typeof schema.$ref !== 'string') throw new ContractExtractionError(`expected a $ref, got ${JSON.stringify(schema)}`);
  return schema.$ref;
}

function componentName(ref: string): string {
  if (!ref.startsWith(COMPONENT_REF_PREFIX)) throw new ContractExtractionError(`unsupported $ref ${ref}`);
  return ref.slice(COMPONENT_REF_PREFIX.length);
}

function withComment(schema: JsonSchema, comment: string): JsonSchema {
  return { $comment: comment, ...schema };
}

function asObject(value: unknown, what: string): JsonSchema {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ContractExtractionError(`${what} is missing or not an object`);
  }
  return value as JsonSchema;
}

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');

/** Where CI and developers keep Fivetran's definition: a sibling of the repo, never inside it. */
export const DEFAULT_OPENAPI_PATH = resolve(repoRoot, '../shared/fivetran/openapi.json');
export const CONTRACT_PATH = resolve(here, 'openapi-gitlab.json');

function main(argv: readonly string[]): void {
  const source = argv[0] !== undefined ? resolve(process.cwd(), argv[0]) : DEFAULT_OPENAPI_PATH;
  const contract = extractGitlabContract(JSON.parse(readFileSync(source, 'utf8')));
  writeFileSync(CONTRACT_PATH, renderGitlabContract(contract));
  console.log(`wrote ${CONTRACT_PATH} from ${source}`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2));
}
