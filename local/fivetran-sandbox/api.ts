/**
 * The Fivetran API behaviour of the sandbox, free of sockets and faults: routes, auth,
 * validation, groups, duplicate schemas, creation rate limit, pagination.
 */
import { validateCreateRequest } from './contract';
import { buildConnectionData, toConnectionDetails, toListItem, type GitlabCreateRequest } from './connection-data';
import { defaultErrorCode, FIVETRAN_ERROR_CODES as CODES, FivetranApiError, SandboxConfigError } from './errors';
import { seededRandom, type SeededRandom } from './prng';
import type { RollingWindowLimiter } from './rate-limit';
import { ConnectionStore, InvalidCursorError } from './store';
import type { ConnectionSeed, StoredConnection } from './types';

/** Which contract a response body is held to before it is sent ('none': injected on purpose, unchecked). */
export type ResponseContract =
  | 'createResponse'
  | 'getResponse'
  | 'listResponse'
  | 'groupListResponse'
  | 'deleteResponse'
  | 'errorResponse'
  | 'none';

export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string | undefined;
  rawBody: string;
  authorized: boolean;
}

export interface ApiResponse {
  status: number;
  /** Serialized as JSON, or sent as-is when a string. */
  body: unknown;
  headers?: Record<string, string>;
  contract: ResponseContract;
}

export interface FivetranApiSettings {
  groups: ReadonlySet<string>;
  seed: number;
  limiter: RollingWindowLimiter | null;
}

const SERVICE = 'gitlab';
const CONNECTED_BY = 'sandbox_user';
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
/** Fivetran's documented rule for destination schema names. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;
const CONNECTION_ROUTE = /^\/v1\/connections\/([^/]+)$/;
const GROUP_CONNECTIONS_ROUTE = /^\/v1\/groups\/([^/]+)\/connections$/;

/** The answer to an error, shaped as Fivetran's `{code, message}`. */
export function errorResponse(error: FivetranApiError): ApiResponse {
  return {
    status: error.status,
    body: { code: error.code, message: error.message },
    headers: error.headers,
    contract: 'errorResponse',
  };
}

export class FivetranApi {
  private readonly store = new ConnectionStore();
  private random: SeededRandom;

  constructor(private readonly settings: FivetranApiSettings) {
    this.random = seededRandom(settings.seed);
  }
  /** A fresh id and the connection data Fivetran would answer for this create request. */
  private newConnection(createRequest: Parameters<typeof buildConnectionData>[0]) {
    const id = this.store.newId(this.random);
    const data = buildConnectionData(createRequest, {
      id,
      createdAt: new Date().toISOString(),
      connectedBy: CONNECTED_BY,
      connectCardToken: fakeJwt(this.random, id),
    });
    return { id, data };
  }


  /** Answers one request; synchronous, so a create's checks and its write cannot interleave with another request. */
  handle(request: ApiRequest): ApiResponse {
    try {
      if (!request.authorized) {
        throw new FivetranApiError(401, CODES.authFailed, 'Invalid or missing API key/secret (HTTP Basic auth)');
      }
      return this.route(request);
    } catch (error) {
      if (error instanceof FivetranApiError) return errorResponse(error);
      throw error;
    }
  }

  connections(): StoredConnection[] {
    return this.store.all();
  }

  /** Stores a pre-existing connection without going through the API (no rate limit, any service). */
  seedConnection(seed: ConnectionSeed): StoredConnection {
    if (!this.settings.groups.has(seed.groupId)) throw new SandboxConfigError(`unknown group '${seed.groupId}'`);
    if (this.store.findBySchema(seed.groupId, seed.schema) !== undefined) {
      throw new SandboxConfigError(`schema '${seed.schema}' is already taken in group '${seed.groupId}'`);
    }
    const createRequest = { group_id: seed.groupId, service: seed.service ?? SERVICE, paused: seed.paused ?? false, config: { schema: seed.schema } };
    const { id, data } = this.newConnection(createRequest);
    data.service = createRequest.service;
    const connection: StoredConnection = { id, groupId: seed.groupId, schema: seed.schema, createRequest, data };
    this.store.add(connection);
    return structuredClone(connection);
  }

  /** Forgets every connection and replays ids from the seed again. */
  reset(): void {
    this.store.clear();
    this.settings.limiter?.reset();
    this.random = seededRandom(this.settings.seed);
  }

  private route(request: ApiRequest): ApiResponse {
    const { method, path } = request;
    if (path === '/v1/connections') {
      if (method === 'POST') return this.create(request);
      if (method === 'GET') return this.list(request.query, request.query.get('group_id') ?? undefined, 'listResponse');
      throw methodNotAllowed(method, path, ['GET', 'POST']);
    }
    const connectionId = CONNECTION_ROUTE.exec(path)?.[1];
    if (connectionId !== undefined) {
      const id = decodeURIComponent(connectionId);
      if (method === 'GET') return this.details(id);
      if (method === 'DELETE') return this.remove(id);
      throw methodNotAllowed(method, path, ['GET', 'DELETE']);
    }
    const groupId = GROUP_CONNECTIONS_ROUTE.exec(path)?.[1];
    if (groupId !== undefined) {
      if (method !== 'GET') throw methodNotAllowed(method, path, ['GET']);
      const group = decodeURIComponent(groupId);
      this.requireGroup(group);
      return this.list(request.query, group, 'groupListResponse');
    }
    throw new FivetranApiError(404, CODES.notFound, 'HTTP 404 Not Found');
  }

  private create(request: ApiRequest): ApiResponse {
    const retryAfter = this.settings.limiter?.retryAfterSeconds() ?? 0;
    if (retryAfter > 0) {
      throw new FivetranApiError(429, CODES.tooManyRequests, 'Connection creation rate limit exceeded', {
        'Retry-After': String(retryAfter),
      });
    }
    const mediaType = request.contentType?.split(';')[0]?.trim().toLowerCase();
    if (mediaType !== 'application/json') {
      throw new FivetranApiError(415, CODES.unsupportedMediaType, `Content-Type must be application/json, got '${mediaType ?? ''}'`);
    }
    const body = parseJson(request.rawBody);
    const check = validateCreateRequest(body);
    if (!check.valid) throw new FivetranApiError(400, CODES.invalidInput, `Invalid request body: ${check.errors.join('; ')}`);
    const createRequest = body as GitlabCreateRequest;
    if (createRequest.service !== SERVICE) {
      throw new FivetranApiError(400, CODES.invalidInput, `Field 'service': only '${SERVICE}' is supported by this sandbox`);
    }
    // The definition leaves `config` optional, but Fivetran cannot create a connection without its schema.
    const schema = createRequest.config?.schema;
    if (typeof schema !== 'string') throw new FivetranApiError(400, CODES.invalidInput, "Field 'config.schema' is required");
    if (!SCHEMA_NAME.test(schema)) {
      throw new FivetranApiError(
        400,
        CODES.invalidInput,
        "Field 'config.schema' must use lowercase letters, digits and '_' and must not start with a digit",
      );
    }
    this.requireGroup(createRequest.group_id);
    if (this.store.findBySchema(createRequest.group_id, schema) !== undefined) {
      throw new FivetranApiError(
        409,
        CODES.conflict,
        `A connection with schema '${schema}' already exists in group '${createRequest.group_id}'`,
      );
    }

    const { id, data } = this.newConnection(createRequest);
    this.store.add({ id, groupId: createRequest.group_id, schema, createRequest: structuredClone(body) as Record<string, unknown>, data });
    this.settings.limiter?.record();
    return { status: 201, body: { code: 'Success', message: 'Connection has been created', data }, contract: 'createResponse' };
  }

  private details(id: string): ApiResponse {
    const connection = this.requireConnection(id);
    return {
      status: 200,
      body: { code: 'Success', message: 'Connection details retrieved successfully', data: toConnectionDetails(connection.data) },
      contract: 'getResponse',
    };
  }

  private remove(id: string): ApiResponse {
    this.requireConnection(id);
    this.store.delete(id);
    return { status: 200, body: { code: 'Success', message: `Connection with id '${id}' has been deleted` }, contract: 'deleteResponse' };
  }

  private list(query: URLSearchParams, groupId: string | undefined, contract: 'listResponse' | 'groupListResponse'): ApiResponse {
    const limit = parseLimit(query.get('limit'));
    const schema = query.get('schema') ?? undefined;
    let page;
    try {
      page = this.store.list({ groupId, schema }, query.get('cursor') ?? undefined, limit);
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new FivetranApiError(400, CODES.invalidInput, `Invalid cursor: ${error.message}`);
      throw error;
    }
    const data: { items: unknown[]; next_cursor?: string } = { items: page.items.map((connection) => toListItem(connection.data)) };
    if (page.nextCursor !== undefined) data.next_cursor = page.nextCursor;
    const message = contract === 'listResponse' ? 'Connections list retrieved successfully' : 'Group connections retrieved successfully';
    return { status: 200, body: { code: 'Success', message, data }, contract };
  }

  private requireGroup(groupId: string): void {
    if (!this.settings.groups.has(groupId)) {
      throw new FivetranApiError(404, CODES.groupNotFound, `Group with id '${groupId}' doesn't exist`);
    }
  }

  private requireConnection(id: string): StoredConnection {
    const connection = this.store.get(id);
    if (connection === undefined) {
      throw new FivetranApiError(404, CODES.connectionNotFound, `Connection with id '${id}' doesn't exist`);
    }
    return connection;
  }
}

function methodNotAllowed(method: string, path: string, allowed: readonly string[]): FivetranApiError {
  return new FivetranApiError(405, defaultErrorCode(405), `Method ${method} is not supported on ${path} by this sandbox`, {
    Allow: allowed.join(', '),
  });
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new FivetranApiError(400, CODES.invalidInput, 'Request body is not valid JSON');
  }
}

function parseLimit(raw: string | null): number {
  if (raw === null) return DEFAULT_PAGE_SIZE;
  const limit = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE_SIZE)) {
    throw new FivetranApiError(400, CODES.invalidInput, `Query parameter 'limit' must be a number in the range 1..${MAX_PAGE_SIZE}`);
  }
  return limit;
}

/** Looks like the short-lived JWT of a connect card; signs nothing. */
function fakeJwt(random: SeededRandom, connectionId: string): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signature = Array.from({ length: 32 }, () => random.integer(0, 255).toString(16).padStart(2, '0')).join('');
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub: connectionId, scope: 'connect_card' })}.${Buffer.from(signature, 'hex').toString('base64url')}`;
}
