import type * as z from 'zod/mini';
import type { CreateConnectionBody } from '../credentials';
import { parseRetryAfter } from '../retry-policy';
import { FivetranFault } from './fivetran-fault';
import {
  createConnectionAnswerSchema,
  errorAnswerSchema,
  listConnectionsAnswerSchema,
  type FivetranConnection,
} from './fivetran-schemas';

export interface FivetranApiKey {
  apiKey: string;
  apiSecret: string;
}

export interface FivetranClientOptions {
  baseUrl: string;
  apiKey: FivetranApiKey;
  fetch?: typeof fetch;
  now?: () => number;
}

export interface CallOptions {
  timeoutMs: number;
}

export interface FivetranClient {
  /** `POST /v1/connections`. */
  createConnection(body: CreateConnectionBody, options: CallOptions): Promise<FivetranConnection>;
  /** Every connection of a group whose schema is exactly `schema`, following `next_cursor`. */
  findConnectionsBySchema(groupId: string, schema: string, options: CallOptions): Promise<FivetranConnection[]>;
  /** Every connection of a group, following `next_cursor` in pages of 1000 (or `pageSize`). */
  listGroupConnections(groupId: string, options: CallOptions & { pageSize?: number }): Promise<FivetranConnection[]>;
}

/** Stops a cursor that never ends from looping forever. */
const MAX_PAGES = 100;
/** One schema matches at most one connection; a small page is plenty. */
const SCHEMA_PAGE_SIZE = 100;
/** Fivetran's largest page: a group of a few thousand connections is a handful of calls. */
const GROUP_PAGE_SIZE = 1000;
/** Fivetran's messages end up in events; keep them to a readable size. */
const MAX_MESSAGE_LENGTH = 500;

/**
 * A small client for the two Fivetran calls the provisioner makes. Each call
 * either returns the parsed answer or throws a FivetranFault saying what
 * happened; it never retries by itself.
 */
export function createFivetranClient(options: FivetranClientOptions): FivetranClient {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const authorization = `Basic ${Buffer.from(`${options.apiKey.apiKey}:${options.apiKey.apiSecret}`).toString('base64')}`;

  async function call<S extends z.ZodMiniType>(
    method: 'GET' | 'POST',
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
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(callOptions.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      const detail = timedOut ? `no answer within ${callOptions.timeoutMs} ms` : describeNetworkError(error);
      throw new FivetranFault('no-answer', `${method} ${pathWithoutQuery(path)}: ${detail}`, undefined, undefined, undefined, undefined, {
        cause: error,
      });
    }
    const json = safeJson(text);
    if (!response.ok) {
      const answer = errorAnswerSchema.safeParse(json);
      const code = answer.success ? answer.data.code : undefined;
      const message = answer.success ? answer.data.message?.slice(0, MAX_MESSAGE_LENGTH) : undefined;
      throw new FivetranFault(
        'http',
        `${method} ${pathWithoutQuery(path)}: Fivetran answered ${response.status}${code ? ` ${code}` : ''}`,
        response.status,
        code,
        message,
        parseRetryAfter(response.headers.get('retry-after'), now()),
      );
    }
    const parsed = answerSchema.safeParse(json);
    if (!parsed.success) {
      throw new FivetranFault(
        'bad-answer',
        `${method} ${pathWithoutQuery(path)}: Fivetran answered ${response.status} with an unexpected body`,
        response.status,
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
  };

  async function listGroup(groupId: string, filter: Record<string, string>, callOptions: CallOptions): Promise<FivetranConnection[]> {
    const found: FivetranConnection[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const query = new URLSearchParams(filter);
      if (cursor !== undefined) query.set('cursor', cursor);
      const path = `/v1/groups/${encodeURIComponent(groupId)}/connections?${query.toString()}`;
      const answer = await call('GET', path, listConnectionsAnswerSchema, callOptions);
      found.push(...answer.data.items);
      cursor = answer.data.next_cursor ?? undefined;
      if (!cursor) return found;
    }
    throw new FivetranFault('bad-answer', `GET /v1/groups/${groupId}/connections: more than ${MAX_PAGES} pages`);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function pathWithoutQuery(path: string): string {
  return path.split('?')[0]!;
}

/** What a person reads for the usual network codes; an operator acts differently on a refusal than on a reset. */
const NETWORK_FAULTS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  UND_ERR_SOCKET: 'connection closed by the server',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
  if (cause?.code) return `${NETWORK_FAULTS[cause.code] ?? 'connection failed'} (${cause.code})`;
  return 'connection failed';
}
