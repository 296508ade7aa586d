import type * as z from 'zod/mini';
import type { CreateConnectionBody } from '../contracts/credentials-secret';
import { type Deadline, parseRetryAfter } from '../runtime/retry';
import { describeNetworkError, pathWithoutQuery, readCapped, safeJson } from './answers';
import { FivetranFault } from './fault';
import {
  connectCardAnswerSchema,
  connectionAnswerSchema,
  createConnectionAnswerSchema,
  deleteConnectionAnswerSchema,
  errorAnswerSchema,
  type FivetranConnection,
  listConnectionsAnswerSchema,
} from './schemas';
import { USER_AGENT } from './user-agent';

export interface FivetranApiKey {
  apiKey: string;
  apiSecret: string;
}

export interface FivetranClientOptions {
  baseUrl: string;
  apiKey: FivetranApiKey;
  fetch?: typeof fetch;
  now?: () => number;
  /** Called with Fivetran's X-Rate-Limit and X-Rate-Limit-Remaining whenever an answer carries both. */
  onQuota?: (quota: { limit: number; remaining: number }) => void;
}

export interface CallOptions {
  /** Timeout of each HTTP request (of each page, for a listing). */
  timeoutMs: number;
  /** No page of a listing starts after this, and none runs past it. */
  deadline?: Deadline;
}

export interface FivetranClient {
  /** `POST /v1/connections`. */
  createConnection(body: CreateConnectionBody, options: CallOptions): Promise<FivetranConnection>;
  /** Every connection of a group whose schema is exactly `schema`, following `next_cursor`. */
  findConnectionsBySchema(groupId: string, schema: string, options: CallOptions): Promise<FivetranConnection[]>;
  /** Every connection of a group, following `next_cursor` in pages of 1000 (or `pageSize`). */
  listGroupConnections(groupId: string, options: CallOptions & { pageSize?: number }): Promise<FivetranConnection[]>;
  /** `POST /v1/connections/{id}/connect-card`: the URI of a fresh Connect Card (valid one day) for an existing connection. */
  createConnectCard(connectionId: string, config: ConnectCardConfig, options: CallOptions): Promise<string>;
  /** `GET /v1/connections/{id}`: the connection as Fivetran shows it (secret values masked as `******`). */
  getConnection(connectionId: string, options: CallOptions): Promise<FivetranConnection>;
  /**
   * `PATCH /v1/connections/{id}` with only the fields to change. Never send a
   * config read back from Fivetran: its secrets come back masked, and writing
   * the mask would replace the real values.
   */
  updateConnection(connectionId: string, patch: ConnectionPatch, options: CallOptions): Promise<FivetranConnection>;
  /** `POST /v1/connections/{id}/test`: runs the setup tests and answers with the connection and their results. */
  runSetupTests(connectionId: string, body: SetupTestsBody, options: CallOptions): Promise<FivetranConnection>;
  /** `DELETE /v1/connections/{id}`. */
  deleteConnection(connectionId: string, options: CallOptions): Promise<void>;
}

/** A body of `PATCH /v1/connections/{id}` (Fivetran's UpdateConnectorRequest): settings, or secret config keys with `run_setup_tests`. */
export type ConnectionPatch = Partial<
  Pick<
    CreateConnectionBody,
    | 'paused'
    | 'pause_after_trial'
    | 'sync_frequency'
    | 'schedule_type'
    | 'daily_sync_time'
    | 'data_delay_sensitivity'
    | 'data_delay_threshold'
    | 'networking_method'
    | 'proxy_agent_id'
    | 'private_link_id'
    | 'hybrid_deployment_agent_id'
    | 'run_setup_tests'
    | 'trust_certificates'
    | 'trust_fingerprints'
  >
> & {
  config?: Record<string, string>;
  auth?: Record<string, unknown>;
};

/** A body of `POST /v1/connections/{id}/test` (RunSetupTestsRequest); Fivetran answers 400 to a request without one, so send `{}` at least. */
export interface SetupTestsBody {
  trust_certificates?: boolean;
  trust_fingerprints?: boolean;
}

export type ConnectCardConfig = NonNullable<CreateConnectionBody['connect_card_config']>;

/** Stops a cursor that never ends from looping forever. */
const MAX_PAGES = 100;
/** One schema matches at most one connection; a small page is plenty. */
const SCHEMA_PAGE_SIZE = 100;
/** Fivetran's largest page: a group of a few thousand connections is a handful of calls. */
const GROUP_PAGE_SIZE = 1000;

/**
 * A small client for the Fivetran calls the provisioner makes. Each call
 * either returns the parsed answer or throws a FivetranFault saying what
 * happened; it never retries by itself.
 */
export function createFivetranClient(options: FivetranClientOptions): FivetranClient {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const authorization = `Basic ${Buffer.from(`${options.apiKey.apiKey}:${options.apiKey.apiSecret}`).toString('base64')}`;

  async function call<S extends z.ZodMiniType>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    answerSchema: S,
    callOptions: CallOptions,
    body?: unknown,
  ): Promise<z.infer<S>> {
    let response: Response;
    let text: string;
    try {
      response = await doFetch(`${options.baseUrl}${path}`, {
        method,
        headers: {
          Authorization: authorization,
          Accept: 'application/json;version=2',
          'User-Agent': USER_AGENT,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        // A redirect would re-send the body, credentials included, wherever it points.
        redirect: 'manual',
        signal: AbortSignal.timeout(callOptions.timeoutMs),
      });
      text = await readCapped(response, `${method} ${pathWithoutQuery(path)}`);
    } catch (error) {
      if (error instanceof FivetranFault) throw error;
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      const detail = timedOut ? `no answer within ${callOptions.timeoutMs} ms` : describeNetworkError(error);
      throw new FivetranFault('FIVETRAN_NO_ANSWER', `${method} ${pathWithoutQuery(path)}: ${detail}`, { cause: error });
    }
    const limit = Number(response.headers.get('x-rate-limit') ?? Number.NaN);
    const remaining = Number(response.headers.get('x-rate-limit-remaining') ?? Number.NaN);
    if (Number.isFinite(limit) && Number.isFinite(remaining)) options.onQuota?.({ limit, remaining });
    if (response.status >= 300 && response.status < 400) {
      // Never followed, and its Location never repeated: it may point anywhere.
      throw new FivetranFault(
        'FIVETRAN_REDIRECT',
        `${method} ${pathWithoutQuery(path)}: Fivetran answered ${response.status}, a redirect; redirects are never followed, so check FIVETRAN_API_URL`,
        { status: response.status },
      );
    }
    const json = safeJson(text);
    if (!response.ok) {
      const answer = errorAnswerSchema.safeParse(json);
      const code = answer.success ? answer.data.code : undefined;
      // Whole: it is redacted, and only then cut, where it leaves the function.
      const message = answer.success ? answer.data.message : undefined;
      const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'), now());
      throw new FivetranFault(
        'FIVETRAN_HTTP_ERROR',
        `${method} ${pathWithoutQuery(path)}: Fivetran answered ${response.status}${code ? ` ${code}` : ''}`,
        {
          status: response.status,
          ...(code === undefined ? {} : { fivetranCode: code }),
          ...(message === undefined ? {} : { fivetranMessage: message }),
          ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
        },
      );
    }
    const parsed = answerSchema.safeParse(json);
    if (!parsed.success) {
      throw new FivetranFault(
        'FIVETRAN_BAD_ANSWER',
        `${method} ${pathWithoutQuery(path)}: Fivetran answered ${response.status} with an unexpected body`,
        { status: response.status },
      );
    }
    return parsed.data;
  }

  return {
    async createConnection(body, callOptions) {
      const answer = await call('POST', '/v1/connections', createConnectionAnswerSchema, callOptions, body);
      return answer.data;
    },
    async findConnectionsBySchema(groupId, schema, callOptions) {
      const items = await listGroup(groupId, { schema, limit: String(SCHEMA_PAGE_SIZE) }, callOptions);
      // The filter is documented as exact; check anyway, a wrong match would skip a creation.
      return items.filter((item) => item.schema === schema);
    },
    listGroupConnections(groupId, callOptions) {
      return listGroup(groupId, { limit: String(callOptions.pageSize ?? GROUP_PAGE_SIZE) }, callOptions);
    },
    async createConnectCard(connectionId, config, callOptions) {
      const path = `/v1/connections/${encodeURIComponent(connectionId)}/connect-card`;
      const answer = await call('POST', path, connectCardAnswerSchema, callOptions, { connect_card_config: config });
      // A card for another connection would hand the end user someone else's connection.
      if (answer.data.connector_id !== connectionId) {
        throw new FivetranFault(
          'FIVETRAN_BAD_ANSWER',
          `POST /v1/connections/{id}/connect-card: Fivetran answered with a card for another connection`,
          {
            status: 200,
          },
        );
      }
      return answer.data.connect_card.uri;
    },
    async getConnection(connectionId, callOptions) {
      const answer = await call('GET', connectionPath(connectionId), connectionAnswerSchema, callOptions);
      return sameConnection(answer.data, connectionId, 'GET');
    },
    async updateConnection(connectionId, patch, callOptions) {
      const answer = await call('PATCH', connectionPath(connectionId), connectionAnswerSchema, callOptions, patch);
      return sameConnection(answer.data, connectionId, 'PATCH');
    },
    async runSetupTests(connectionId, body, callOptions) {
      const answer = await call('POST', `${connectionPath(connectionId)}/test`, connectionAnswerSchema, callOptions, body);
      return sameConnection(answer.data, connectionId, 'POST /test');
    },
    async deleteConnection(connectionId, callOptions) {
      await call('DELETE', connectionPath(connectionId), deleteConnectionAnswerSchema, callOptions);
    },
  };

  async function listGroup(groupId: string, filter: Record<string, string>, callOptions: CallOptions): Promise<FivetranConnection[]> {
    const found: FivetranConnection[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const query = new URLSearchParams(filter);
      if (cursor !== undefined) query.set('cursor', cursor);
      const path = `/v1/groups/${encodeURIComponent(groupId)}/connections?${query.toString()}`;
      const answer = await call('GET', path, listConnectionsAnswerSchema, pageOptions(callOptions, pathWithoutQuery(path)));
      found.push(...answer.data.items);
      cursor = answer.data.next_cursor ?? undefined;
      if (!cursor) return found;
    }
    throw new FivetranFault('FIVETRAN_BAD_ANSWER', `GET /v1/groups/${groupId}/connections: more than ${MAX_PAGES} pages`);
  }
}

function connectionPath(connectionId: string): string {
  return `/v1/connections/${encodeURIComponent(connectionId)}`;
}

/** An answer about another connection than the one asked for is not believed: acting on it would touch the wrong connection. */
function sameConnection(connection: FivetranConnection, connectionId: string, call: string): FivetranConnection {
  if (connection.id !== connectionId) {
    throw new FivetranFault('FIVETRAN_BAD_ANSWER', `${call} /v1/connections/{id}: Fivetran answered about another connection`, {
      status: 200,
    });
  }
  return connection;
}

/** Each page gets its own timeout, never past the deadline: a long listing cannot outlive the invocation. */
function pageOptions(callOptions: CallOptions, path: string): CallOptions {
  if (callOptions.deadline === undefined) return callOptions;
  const remaining = Math.floor(callOptions.deadline.remainingMs());
  if (remaining <= 0) throw new FivetranFault('FIVETRAN_NO_ANSWER', `GET ${path}: no time left in this invocation for the next page`);
  return { timeoutMs: Math.min(callOptions.timeoutMs, remaining) };
}
