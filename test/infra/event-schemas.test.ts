import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { DRAFT_04, eventBridgeEventSchema, type JsonSchema, outcomeEventSchemas, pascalCase } from '../../infra/event-schemas';
import {
  CONNECTION_PROVISIONED,
  CONNECTION_PROVISIONING_FAILED,
  connectionProvisionedDetailSchema,
  connectionProvisioningFailedDetailSchema,
} from '../../shared/contracts/events';

const SOURCE = 'fivetran.provisioner';
const detailOf = (detailSchema: unknown, detailType = 'Thing Happened') =>
  (eventBridgeEventSchema({ detailType, source: SOURCE, detailSchema }).definitions as Record<string, JsonSchema>)[pascalCase(detailType)];

/** Keywords that exist in draft 6 and later only; none may survive the conversion. */
const NEWER_THAN_DRAFT_4 = [
  'const',
  '$defs',
  'prefixItems',
  'contains',
  'propertyNames',
  'if',
  'then',
  'else',
  'examples',
  'dependentRequired',
  'dependentSchemas',
  'unevaluatedProperties',
  '$id',
];

function keywordsIn(schema: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) {
    for (const item of schema) keywordsIn(item, found);
  } else if (typeof schema === 'object' && schema !== null) {
    for (const [key, value] of Object.entries(schema)) {
      found.add(key);
      keywordsIn(value, found);
    }
  }
  return found;
}

describe('draft 2020-12 to draft 4 conversion', () => {
  it('writes const as a one-value enum and numeric exclusive bounds as draft-4 boolean flags', () => {
    expect(
      detailOf({ type: 'object', properties: { kind: { const: 'x' }, n: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 10 } } }),
    ).toEqual({
      type: 'object',
      properties: { kind: { enum: ['x'] }, n: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 10, exclusiveMaximum: true } },
    });
  });

  it('hoists $defs into the envelope definitions and rewrites refs, including refs to the detail root', () => {
    const schema = eventBridgeEventSchema({
      detailType: 'Tree Grown',
      source: SOURCE,
      detailSchema: {
        type: 'object',
        properties: { leaf: { $ref: '#/$defs/Leaf' }, parent: { $ref: '#' }, first: { $ref: '#/properties/leaf' } },
        $defs: { Leaf: { type: 'string' } },
      },
    });
    expect(schema.definitions).toEqual({
      TreeGrown: {
        type: 'object',
        properties: {
          leaf: { $ref: '#/definitions/Leaf' },
          parent: { $ref: '#/definitions/TreeGrown' },
          first: { $ref: '#/definitions/TreeGrown/properties/leaf' },
        },
      },
      Leaf: { type: 'string' },
    });
  });

  it('keeps constraints next to a $ref by moving the ref into allOf (draft 4 ignores $ref siblings)', () => {
    expect(detailOf({ $ref: '#/$defs/A', description: 'kept', $defs: { A: { type: 'string' } } })).toEqual({
      description: 'kept',
      allOf: [{ $ref: '#/definitions/A' }],
    });
  });

  it('turns tuples and boolean schemas into their draft-4 forms and drops newer annotations', () => {
    expect(detailOf({ type: 'array', prefixItems: [{ type: 'string' }, true], items: false, examples: [['a', 1]] })).toEqual({
      type: 'array',
      items: [{ type: 'string' }, {}],
      additionalItems: false,
    });
    expect(detailOf({ type: 'object', propertyNames: { type: 'string' }, additionalProperties: { type: 'number' } })).toEqual({
      type: 'object',
      additionalProperties: { type: 'number' },
    });
  });

  it('refuses keywords draft 4 cannot express, naming where they are', () => {
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keywords are what this case refuses.
    expect(() => detailOf({ type: 'object', properties: { a: { if: { type: 'string' }, then: { minLength: 1 } } } })).toThrow(
      /#\/definitions\/ThingHappened\/properties\/a\/if: JSON Schema keyword "if" has no draft-4 equivalent/,
    );
    expect(() => detailOf({ type: 'object', unevaluatedProperties: false })).toThrow(/unevaluatedProperties/);
    expect(() => detailOf({ type: 'object', propertyNames: { pattern: '^a' } })).toThrow(/propertyNames/);
    expect(() => detailOf({ $ref: 'https://example.com/schema' })).toThrow(/only local \$ref/);
  });
});

describe('outcome event schemas', () => {
  const schemas = outcomeEventSchemas(SOURCE);

  it('describes both outcome events as whole EventBridge events in draft 4', () => {
    expect(schemas.map((s) => [s.detailType, s.schemaName])).toEqual([
      [CONNECTION_PROVISIONED, 'fivetran.provisioner@ConnectionProvisioned'],
      [CONNECTION_PROVISIONING_FAILED, 'fivetran.provisioner@ConnectionProvisioningFailed'],
    ]);
    for (const { content, detailType } of schemas) {
      expect(content).toMatchObject({
        $schema: DRAFT_04,
        type: 'object',
        'x-amazon-events-source': SOURCE,
        'x-amazon-events-detail-type': detailType,
        properties: {
          'detail-type': { enum: [detailType] },
          source: { enum: [SOURCE] },
          detail: { $ref: `#/definitions/${pascalCase(detailType)}` },
        },
      });
      const newer = [...keywordsIn(content)].filter((keyword) => NEWER_THAN_DRAFT_4.includes(keyword));
      expect(newer, `${detailType} keeps keywords newer than draft 4`).toEqual([]);
      // The registry limits schema content to 100,000 characters.
      expect(JSON.stringify(content).length).toBeLessThan(100_000);
    }
  });

  // Ajv 8 ships no draft-04 meta-schema; the converted schemas use no keyword whose meaning differs between
  // draft 4 and draft 7 (checked above), so Ajv's draft-7 validator gives the draft-4 answer.
  const validatorFor = (detailType: string) => {
    const { $schema: _draft, ...schema } = schemas.find((s) => s.detailType === detailType)!.content;
    const ajv = new Ajv({ strict: false });
    addFormats(ajv);
    return ajv.compile(schema);
  };
  const envelope = (detailType: string, detail: unknown) => ({
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': detailType,
    source: SOURCE,
    account: '123456789012',
    time: '2025-11-25T12:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail,
  });

  it('accepts events whose detail the zod schemas accept, and rejects others', () => {
    const provisioned = connectionProvisionedDetailSchema.parse({
      requestId: 'req-1',
      outcome: 'created',
      connectionId: 'conn_1',
      groupId: 'group_1',
      service: 'gitlab',
      schema: 'gitlab_team',
      setupTests: [{ title: 'Validate token', status: 'PASSED' }],
      attempts: 1,
      sqsMessageId: 'm-1',
      context: { correlationId: 'c-1' },
    });
    const failed = connectionProvisioningFailedDetailSchema.parse({
      requestId: null,
      errorCode: 'INVALID_REQUEST',
      message: 'requestId is required',
      retryable: false,
      attempts: 0,
      sqsMessageId: 'm-1',
    });
    const provisionedValidator = validatorFor(CONNECTION_PROVISIONED);
    const failedValidator = validatorFor(CONNECTION_PROVISIONING_FAILED);

    expect(provisionedValidator(envelope(CONNECTION_PROVISIONED, provisioned))).toBe(true);
    expect(failedValidator(envelope(CONNECTION_PROVISIONING_FAILED, failed))).toBe(true);

    expect(provisionedValidator(envelope(CONNECTION_PROVISIONED, { ...provisioned, service: 'github' }))).toBe(false);
    expect(provisionedValidator(envelope(CONNECTION_PROVISIONED, { ...provisioned, attempts: 0 }))).toBe(false);
    const { sqsMessageId: _dedupKey, ...withoutMessageId } = provisioned;
    expect(provisionedValidator(envelope(CONNECTION_PROVISIONED, withoutMessageId))).toBe(false);
    expect(failedValidator(envelope(CONNECTION_PROVISIONING_FAILED, { ...failed, errorCode: 'NOPE' }))).toBe(false);
    expect(failedValidator(envelope(CONNECTION_PROVISIONED, failed))).toBe(false);
    expect(failedValidator({ ...envelope(CONNECTION_PROVISIONING_FAILED, failed), time: 'yesterday' })).toBe(false);
  });

  it('publishes PERMISSION_DENIED among the failure codes, and that a Connect Card URI lives one day', () => {
    const failedValidator = validatorFor(CONNECTION_PROVISIONING_FAILED);
    const denied = {
      requestId: 'req-1',
      errorCode: 'PERMISSION_DENIED',
      message: 'Fivetran denied the key',
      retryable: false,
      attempts: 1,
      sqsMessageId: 'm-1',
    };
    const provisioned = JSON.stringify(schemas.find((s) => s.detailType === CONNECTION_PROVISIONED)!.content);

    expect(failedValidator(envelope(CONNECTION_PROVISIONING_FAILED, denied))).toBe(true);
    expect(provisioned).toContain('valid for one day');
  });
});
