/**
 * The Fivetran API behaviour of the sandbox, free of sockets and faults: routes, auth,
 * validation, groups, permissions, duplicate schemas, rate limits, pagination, Connect Cards; the routes that
 * change one connection are in connection-lifecycle.ts.
 * Which answer follows which evidence is in errors.ts.
 */
import { type ApiRequest, type ApiResponse, errorResponse, methodNotAllowed, parseJsonBody, parseLimit } from './api-request';
import { buildConnectionData, connectCardUri, fakeJwt, type GitlabCreateRequest, toConnectionDetails, toListItem } from './connection-data';
import { testConnection, updateConnection } from './connection-lifecycle';
import { validateConnectCardRequest, validateCreateRequest } from './contract';
import {
  FIVETRAN_ERROR_CODES as CODES,
  FivetranApiError,
  FIVETRAN_ERROR_MESSAGES as MESSAGES,
  SandboxConfigError,
  terseMessage,
} from './errors';
import { type SeededRandom, seededRandom } from './prng';
import type { AccountRateLimits, RollingWindowLimiter } from './rate-limit';
import { ConnectionStore, InvalidCursorError } from './store';
import type { ConnectionSeed, StoredConnection } from './types';

export interface FivetranApiSettings {
  groups: ReadonlySet<string>;
  seed: number;
  limiter: RollingWindowLimiter | null;
  /** The account's limits on every request, when set. */
  accountLimits?: AccountRateLimits | null;
  /** The account's limits on setup-test runs (errors.ts [setup-limits]), when set. */
  setupTestLimits?: AccountRateLimits | null;
  /** Groups the API key's role may not touch: 403 Forbidden. */
  forbiddenGroups?: ReadonlySet<string>;
  /** How a create whose schema is taken in the group is refused. */
  duplicateSchemaStatus?: DuplicateSchemaStatus;
}

/** No recording of Fivetran's answer to a duplicate schema was found: 400 InvalidInput or 409 are both plausible. */
export type DuplicateSchemaStatus = 400 | 409;

/** Permissions named in 403 answers; the shape is recorded, these names are guesses (errors.ts [forbidden]). */
const PERMISSION = { read: 'CONNECTOR_READ', create: 'CONNECTOR_CREATE', connectCard: 'CONNECTOR_MANAGE' } as const;

const SERVICE = 'gitlab';
const CONNECTED_BY = 'sandbox_user';
/** Fivetran's documented rule for destination schema names. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;
const CONNECTION_ROUTE = /^\/v1\/connections\/([^/]+)$/;
const SETUP_TESTS_ROUTE = /^\/v1\/connections\/([^/]+)\/test$/;
const CONNECT_CARD_ROUTE = /^\/v1\/connections\/([^/]+)\/connect-card$/;
const GROUP_CONNECTIONS_ROUTE = /^\/v1\/groups\/([^/]+)\/connections$/;

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
    let answer: ApiResponse;
    try {
      if (!request.authorized) {
        throw new FivetranApiError(401, CODES.authFailed, 'Invalid or missing API key/secret (HTTP Basic auth)');
      }
      this.admit();
      answer = this.route(request);
    } catch (error) {
      if (!(error instanceof FivetranApiError)) throw error;
      answer = errorResponse(error);
    }
    // An unauthenticated request belongs to no account, so it has no quota to report.
    const quota = request.authorized ? (this.settings.accountLimits?.headers() ?? {}) : {};
    return { ...answer, headers: { ...quota, ...answer.headers } };
  }

  /** Counts the request against the account's limits, or refuses it with 429 and Retry-After (errors.ts [limits]). */
  private admit(): void {
    const admission = this.settings.accountLimits?.admit();
    if (admission === undefined || admission.admitted) return;
    throw new FivetranApiError(429, CODES.tooManyRequests, MESSAGES.tooManyRequests(admission.limit, admission.window), {
      'Retry-After': String(admission.retryAfterSeconds),
    });
  }

  /** Counts one run of setup tests, or refuses it with 429 and Retry-After (errors.ts [setup-limits]). */
  private readonly admitSetupTests = (): void => {
    const admission = this.settings.setupTestLimits?.admit();
    if (admission === undefined || admission.admitted) return;
    throw new FivetranApiError(429, CODES.tooManyRequests, MESSAGES.tooManySetupTests(admission.limit, admission.window), {
      'Retry-After': String(admission.retryAfterSeconds),
    });
  };

  connections(): StoredConnection[] {
    return this.store.all();
  }

  /** Stores a pre-existing connection without going through the API (no rate limit, any service). */
  seedConnection(seed: ConnectionSeed): StoredConnection {
    if (!this.settings.groups.has(seed.groupId)) throw new SandboxConfigError(`unknown group '${seed.groupId}'`);
    if (this.store.findBySchema(seed.groupId, seed.schema) !== undefined) {
      throw new SandboxConfigError(`schema '${seed.schema}' is already taken in group '${seed.groupId}'`);
    }
    const createRequest = {
      group_id: seed.groupId,
      service: seed.service ?? SERVICE,
      paused: seed.paused ?? false,
      config: { schema: seed.schema },
    };
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
    this.settings.accountLimits?.reset();
    this.settings.setupTestLimits?.reset();
    this.random = seededRandom(this.settings.seed);
  }

  private route(request: ApiRequest): ApiResponse {
    const { method, path } = request;
    if (path === '/v1/connections') {
      if (method === 'POST') return this.create(request);
      if (method === 'GET') return this.list(request.query, request.query.get('group_id') ?? undefined, 'listResponse');
      throw methodNotAllowed(method, path, ['GET', 'POST']);
    }
    const cardFor = CONNECT_CARD_ROUTE.exec(path)?.[1];
    if (cardFor !== undefined) {
      if (method !== 'POST') throw methodNotAllowed(method, path, ['POST']);
      return this.connectCard(decodeURIComponent(cardFor), request);
    }
    const connectionId = CONNECTION_ROUTE.exec(path)?.[1];
    if (connectionId !== undefined) {
      const id = decodeURIComponent(connectionId);
      if (method === 'GET') return this.details(id);
      if (method === 'PATCH') return updateConnection(this.requireConnection(id), request, this.admitSetupTests);
      if (method === 'DELETE') return this.remove(id);
      throw methodNotAllowed(method, path, ['GET', 'PATCH', 'DELETE']);
    }
    const testedId = SETUP_TESTS_ROUTE.exec(path)?.[1];
    if (testedId !== undefined) {
      if (method !== 'POST') throw methodNotAllowed(method, path, ['POST']);
      return testConnection(this.requireConnection(decodeURIComponent(testedId)), request, this.admitSetupTests);
    }
    const groupId = GROUP_CONNECTIONS_ROUTE.exec(path)?.[1];
    if (groupId !== undefined) {
      if (method !== 'GET') throw methodNotAllowed(method, path, ['GET']);
      const group = decodeURIComponent(groupId);
      this.requireGroup(group);
      this.requirePermission(group, PERMISSION.read);
      return this.list(request.query, group, 'groupListResponse');
    }
    throw new FivetranApiError(404, CODES.notFound, MESSAGES.routeNotFound);
  }

  private create(request: ApiRequest): ApiResponse {
    const retryAfter = this.settings.limiter?.retryAfterSeconds() ?? 0;
    if (retryAfter > 0) {
      // The wording is recorded for Fivetran's own limit of 20 a minute (errors.ts [tf-80]).
      throw new FivetranApiError(
        429,
        CODES.tooManyRequests,
        `No more than ${this.settings.limiter?.limit} connectors can be created in one-minute time period`,
        {
          'Retry-After': String(retryAfter),
        },
      );
    }
    const body = parseJsonBody(request);
    // Fivetran's recorded answer for a create without a schema ([tf-163]) comes before any other complaint.
    const config = (body as { config?: unknown } | null)?.config;
    if (config === undefined || (typeof config === 'object' && config !== null && !('schema' in config))) {
      throw new FivetranApiError(400, CODES.invalidInput, MESSAGES.schemaRequired);
    }
    const check = validateCreateRequest(body);
    if (!check.valid) throw new FivetranApiError(400, CODES.invalidInput, terseMessage(check.errors));
    const createRequest = body as GitlabCreateRequest;
    if (createRequest.service !== SERVICE) {
      throw new FivetranApiError(400, CODES.invalidInput, `Field 'service': only '${SERVICE}' is supported by this sandbox`);
    }
    // The definition leaves `config` optional, but Fivetran cannot create a connection without its schema.
    const schema = createRequest.config?.schema;
    if (typeof schema !== 'string') throw new FivetranApiError(400, CODES.invalidInput, MESSAGES.schemaRequired);
    if (!SCHEMA_NAME.test(schema)) throw new FivetranApiError(400, CODES.invalidInput, MESSAGES.invalidField('schema'));
    this.requireGroup(createRequest.group_id);
    this.requirePermission(createRequest.group_id, PERMISSION.create);
    if (this.store.findBySchema(createRequest.group_id, schema) !== undefined) {
      const status = this.settings.duplicateSchemaStatus ?? 409;
      throw new FivetranApiError(status, status === 400 ? CODES.invalidInput : CODES.conflict, MESSAGES.schemaTaken(schema));
    }

    // A create runs the setup tests unless told not to, and counts against their limits (errors.ts [setup-limits]).
    if (createRequest.run_setup_tests !== false) this.admitSetupTests();
    const { id, data } = this.newConnection(createRequest);
    this.store.add({ id, groupId: createRequest.group_id, schema, createRequest: structuredClone(body) as Record<string, unknown>, data });
    this.settings.limiter?.record();
    return { status: 201, body: { code: 'Success', message: 'Connection has been created', data }, contract: 'createResponse' };
  }

  /** A fresh Connect Card for an existing connection (errors.ts [card]). */
  private connectCard(id: string, request: ApiRequest): ApiResponse {
    const body = parseJsonBody(request);
    if (!validateConnectCardRequest(body).valid)
      throw new FivetranApiError(400, CODES.invalidInput, MESSAGES.invalidField('connect_card_config'));
    const connection = this.requireConnection(id);
    this.requirePermission(connection.groupId, PERMISSION.connectCard);
    const config = (body as { connect_card_config: NonNullable<GitlabCreateRequest['connect_card_config']> }).connect_card_config;
    const token = fakeJwt(this.random, id);
    connection.data.connect_card_config = { ...config };
    const card = { token, uri: connectCardUri(config, token) };
    return {
      status: 200,
      body: {
        code: 'Success',
        message: 'Connection Connect Card has been created',
        data: { connector_id: id, connect_card: card, connect_card_config: config },
      },
      contract: 'connectCardResponse',
    };
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
    let page: ReturnType<typeof this.store.list>;
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
    if (!this.settings.groups.has(groupId)) throw new FivetranApiError(404, CODES.groupNotFound, MESSAGES.groupNotFound(groupId));
  }

  /** A key whose role lacks the permission on this group (errors.ts [forbidden]). */
  private requirePermission(groupId: string, permission: string): void {
    if (this.settings.forbiddenGroups?.has(groupId)) throw new FivetranApiError(403, CODES.forbidden, MESSAGES.forbidden(permission));
  }

  private requireConnection(id: string): StoredConnection {
    const connection = this.store.get(id);
    if (connection === undefined) throw new FivetranApiError(404, CODES.connectionNotFound, MESSAGES.connectionNotFound(id));
    return connection;
  }
}
