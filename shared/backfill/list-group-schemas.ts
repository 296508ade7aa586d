import type { FivetranApiKey } from '../fivetran/fivetran-client';
import { FivetranFault } from '../fivetran/fivetran-fault';
import { errorAnswerSchema, listConnectionsAnswerSchema } from '../fivetran/fivetran-schemas';
import { parseRetryAfter } from '../retry-policy';

export interface ListGroupSchemasOptions {
  baseUrl: string;
  apiKey: FivetranApiKey;
  /** Timeout of each page request. */
  timeoutMs: number;
  /** Connections a page; Fivetran allows up to 1000. */
  pageSize?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/** Fivetran's largest page for this endpoint: the fewest calls for a large group. */
export const DEFAULT_PAGE_SIZE = 1000;
/** Stops a cursor that never ends from looping forever (a million connections is far beyond any group). */
const MAX_PAGES = 1000;

/**
 * Every connection of a Fivetran group, as schema → service, from
 * `GET /v1/groups/{id}/connections` following `next_cursor` (one listing
 * per group instead of one lookup per request). Throws a FivetranFault on any
 * failed page, exactly as the worker's client does; it never retries.
 *
 * @example
 * await listGroupSchemas('decent_dropsy', { baseUrl, apiKey, timeoutMs: 30_000 })
 * // Map { 'gitlab_team_a' => 'gitlab', 'jira_team_a' => 'jira' }
 */
export async function listGroupSchemas(groupId: string, options: ListGroupSchemasOptions): Promise<Map<string, string>> {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const authorization = `Basic ${Buffer.from(`${options.apiKey.apiKey}:${options.apiKey.apiSecret}`).toString('base64')}`;
  const path = `/v1/groups/${encodeURIComponent(groupId)}/connections`;
  const schemas = new Map<string, string>();
  let cursor: string | undefined;

  for (let page = 0; page < MAX_PAGES; page += 1) {
    const query = new URLSearchParams({ limit: String(options.pageSize ?? DEFAULT_PAGE_SIZE) });
    if (cursor !== undefined) query.set('cursor', cursor);
    let response: Response;
    let text: string;
    try {
      response = await doFetch(`${options.baseUrl}${path}?${query.toString()}`, {
        method: 'GET',
        headers: { Authorization: authorization, Accept: 'application/json;version=2' },
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new FivetranFault('no-answer', `GET ${path}: ${timedOut ? `no answer within ${options.timeoutMs} ms` : 'connection failed'}`, undefined, undefined, undefined, undefined, {
        cause: error,
      });
    }
    const json = safeJson(text);
    if (!response.ok) {
      const answer = errorAnswerSchema.safeParse(json);
      const code = answer.success ? answer.data.code : undefined;
      throw new FivetranFault(
        'http',
        `GET ${path}: Fivetran answered ${response.status}${code ? ` ${code}` : ''}`,
        response.status,
        code,
        answer.success ? answer.data.message?.slice(0, 500) : undefined,
        parseRetryAfter(response.headers.get('retry-after'), now()),
      );
    }
    const parsed = listConnectionsAnswerSchema.safeParse(json);
    if (!parsed.success) throw new FivetranFault('bad-answer', `GET ${path}: Fivetran answered ${response.status} with an unexpected body`, response.status);
    for (const item of parsed.data.data.items) schemas.set(item.schema, item.service);
    cursor = parsed.data.data.next_cursor ?? undefined;
    if (!cursor) return schemas;
  }
  throw new FivetranFault('bad-answer', `GET ${path}: more than ${MAX_PAGES} pages`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
