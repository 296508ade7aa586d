import type * as z from 'zod/mini';
import { ProvisioningError, type RequestIssue } from '../runtime/errors';
import {
  LIFECYCLE_REQUEST_SCHEMA_VERSION,
  type LifecycleAction,
  type LifecycleRequest,
  lifecycleRequestSchema,
  REQUEST_ACTIONS,
  type RequestAction,
  targetSchema,
} from './lifecycle-request';
import {
  type ProvisioningRequest,
  provisioningRequestSchema,
  REQUEST_SCHEMA_VERSION,
  REQUEST_SCHEMA_VERSION_ATTRIBUTE,
  type RequestContext,
} from './request';

/** SQS accepts bodies up to 1 MiB; a provisioning request is a few KiB. */
export const MAX_REQUEST_BYTES = 64 * 1024;

/** The request schema versions this worker reads: creates under either, lifecycle actions only under the newest. */
export const SUPPORTED_REQUEST_SCHEMA_VERSIONS = [REQUEST_SCHEMA_VERSION, LIFECYCLE_REQUEST_SCHEMA_VERSION] as const;

/** What could be read of a request that failed validation, for its failure event. */
export interface KnownRequestFields {
  requestId: string | null;
  /** Present when the body names a valid action (a create's is absent unless it says "create"). */
  action?: RequestAction;
  groupId?: string;
  schema?: string;
  /** A lifecycle request's target, when it names a valid connection id. */
  connectionId?: string;
  context?: RequestContext;
}

/** The check a refused request failed: the body's size, its JSON, the schema version attribute, or the contract's fields. */
export type FailedCheck = 'size' | 'json' | 'version' | 'contract';

/**
 * INVALID_REQUEST with its findings by path (`issues`) and the message
 * without its lead (`reason`), so no caller reads them back out of the message.
 */
export type RequestRefusal = ProvisioningError & { readonly issues: readonly RequestIssue[]; readonly reason: string };

export type RefusedRequest = { ok: false; error: RequestRefusal; known: KnownRequestFields; failedCheck: FailedCheck };
export type ParsedCreateRequest = { ok: true; kind: 'create'; request: ProvisioningRequest } | RefusedRequest;
/** A create, a lifecycle request, or the refusal of the body. */
export type ParsedRequest = ParsedCreateRequest | { ok: true; kind: 'lifecycle'; request: LifecycleRequest };

const MAX_ISSUES_IN_MESSAGE = 10;
const LIFECYCLE_ACTIONS = new Set<string>(REQUEST_ACTIONS.filter((action) => action !== 'create'));

/**
 * Reads an SQS message body as a create request only (what a backfill
 * manifest line must be). Never throws. A `schemaVersion` (from the message
 * attribute) this worker does not read is refused.
 */
export function parseProvisioningRequest(body: string, schemaVersion?: string): ParsedCreateRequest {
  const read = readBody(body, schemaVersion);
  if (!read.ok) return read;
  return parseCreate(read.json);
}

/**
 * Reads an SQS message body as any request: a create (no `action`, or
 * "create") or a lifecycle request. Never throws: a body that is not a valid
 * request is a request fault, reported with every field that is wrong and
 * the parts that could be read. A lifecycle action under schema version "1"
 * is refused, naming the attribute: that producer was written for creates only.
 */
export function parseRequest(body: string, schemaVersion?: string): ParsedRequest {
  const read = readBody(body, schemaVersion);
  if (!read.ok) return read;
  const { json } = read;
  const action = isObject(json) ? json.action : undefined;
  if (action === undefined || action === 'create') return parseCreate(json);
  if (typeof action !== 'string' || !LIFECYCLE_ACTIONS.has(action)) {
    const reason = `must be one of ${REQUEST_ACTIONS.join(', ')}`;
    return refused('contract', [{ path: 'action', reason }], `action: ${reason}`, readKnownFields(json));
  }
  if (schemaVersion === REQUEST_SCHEMA_VERSION) {
    return refusedWhole(
      'version',
      `action "${action}" needs message attribute ${REQUEST_SCHEMA_VERSION_ATTRIBUTE} "${LIFECYCLE_REQUEST_SCHEMA_VERSION}" (or none); version "${REQUEST_SCHEMA_VERSION}" carries creates only`,
      readKnownFields(json),
    );
  }
  const parsed = lifecycleRequestSchema.safeParse(json);
  if (parsed.success) return { ok: true, kind: 'lifecycle', request: parsed.data };
  const issues = issuesOf(parsed.error.issues, json);
  return refused('contract', issues, describeIssues(issues), readKnownFields(json));
}

/** Whether a lifecycle action's request was parsed (not a create). */
export function isLifecycleAction(action: string | undefined): action is LifecycleAction {
  return action !== undefined && LIFECYCLE_ACTIONS.has(action);
}

function readBody(body: string, schemaVersion: string | undefined): { ok: true; json: unknown } | RefusedRequest {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > MAX_REQUEST_BYTES) {
    return refusedWhole('size', `the request is ${bytes} bytes; at most ${MAX_REQUEST_BYTES} are accepted`, { requestId: null });
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return refusedWhole('json', 'the message body is not JSON', { requestId: null });
  }
  if (schemaVersion !== undefined && !(SUPPORTED_REQUEST_SCHEMA_VERSIONS as readonly string[]).includes(schemaVersion)) {
    return refusedWhole(
      'version',
      `request schema version ${JSON.stringify(schemaVersion)} is not supported; this worker reads versions ${SUPPORTED_REQUEST_SCHEMA_VERSIONS.join(' and ')}`,
      readKnownFields(json),
    );
  }
  return { ok: true, json };
}

function parseCreate(json: unknown): ParsedCreateRequest {
  const parsed = provisioningRequestSchema.safeParse(json);
  if (parsed.success) return { ok: true, kind: 'create', request: parsed.data };
  const issues = issuesOf(parsed.error.issues, json);
  return refused('contract', issues, describeIssues(issues), readKnownFields(json));
}

/** A refusal of the body as a whole: one issue at path ''. */
function refusedWhole(failedCheck: FailedCheck, reason: string, known: KnownRequestFields): RefusedRequest {
  return refused(failedCheck, [{ path: '', reason }], reason, known);
}

function refused(failedCheck: FailedCheck, issues: readonly RequestIssue[], reason: string, known: KnownRequestFields): RefusedRequest {
  const error = new ProvisioningError('INVALID_REQUEST', `Invalid request: ${reason}`, { issues, reason });
  return { ok: false, error: error as RequestRefusal, known, failedCheck };
}

/** Names a message repeats as they are: what a field name looks like. */
const FIELD_NAME = /^[A-Za-z_$][A-Za-z0-9_$]{0,39}$/;

/**
 * An unknown field's name as a message may repeat it. Anything that does not
 * look like a field name (a token pasted as a key, say) is given by its
 * length only: it would be published, and logged, with the message.
 *
 * @example shownFieldName('colour') // 'colour'; shownFieldName('glpat-…') // '<unknown field name of 26 characters>'
 */
export function shownFieldName(key: string): string {
  return FIELD_NAME.test(key) ? key : `<unknown field name of ${key.length} characters>`;
}

/** zod's findings as issues by path; an unknown field is one issue per field, its name shown only if it looks like one. */
function issuesOf(issues: readonly z.core.$ZodIssue[], input: unknown): RequestIssue[] {
  return issues.flatMap((issue) => {
    const base = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...base, shownFieldName(key)].join('.'), reason: 'unknown field' }));
    }
    const missing = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined;
    return [{ path: base.join('.'), reason: missing ? 'is required' : issue.message }];
  });
}

/** "connection.sync_frequency: must be one of …; connection.config.foo: unknown field" */
function describeIssues(issues: readonly RequestIssue[]): string {
  const described = issues.map((issue) => `${issue.path === '' ? 'body' : issue.path}: ${issue.reason}`);
  const shown = described.slice(0, MAX_ISSUES_IN_MESSAGE);
  const more = described.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

/**
 * Picks out the identifying fields of an invalid request, only where each is
 * itself valid, so a failure event can still be routed to the team that sent it.
 */
function readKnownFields(json: unknown): KnownRequestFields {
  const shape = provisioningRequestSchema.def.shape;
  const record = isObject(json) ? json : {};
  const connection = isObject(record.connection) ? record.connection : {};
  const config = isObject(connection.config) ? connection.config : {};
  const requestId = shape.requestId.safeParse(record.requestId);
  const action = typeof record.action === 'string' && (REQUEST_ACTIONS as readonly string[]).includes(record.action);
  const groupId = shape.connection.def.shape.group_id.safeParse(connection.group_id);
  const schema = shape.connection.def.shape.config.def.shape.schema.safeParse(config.schema);
  const target = targetSchema.safeParse(record.target);
  const connectionId = target.success && 'connectionId' in target.data ? target.data.connectionId : undefined;
  const context = shape.context.safeParse(record.context);
  return {
    requestId: requestId.success ? requestId.data : null,
    ...(action ? { action: record.action as RequestAction } : {}),
    ...(groupId.success ? { groupId: groupId.data } : {}),
    ...(schema.success ? { schema: schema.data } : {}),
    ...(connectionId === undefined ? {} : { connectionId }),
    ...(context.success && context.data !== undefined ? { context: context.data } : {}),
  };
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
