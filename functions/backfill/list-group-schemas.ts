import { createFivetranClient, type FivetranApiKey } from '../../shared/fivetran/client';
import type { Deadline } from '../../shared/runtime/retry';

export interface ListGroupSchemasOptions {
  baseUrl: string;
  apiKey: FivetranApiKey;
  /** Timeout of each page request. */
  timeoutMs: number;
  /** No page starts after this, and none runs past it. */
  deadline?: Deadline;
  /** Connections a page; Fivetran allows up to 1000, the default. */
  pageSize?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * Every connection of a Fivetran group, as schema → service, from
 * `GET /v1/groups/{id}/connections` following `next_cursor` (one listing
 * per group instead of one lookup per request), through the worker's own
 * Fivetran client. Throws a FivetranFault on any failed page; it never retries.
 *
 * @example
 * await listGroupSchemas('decent_dropsy', { baseUrl, apiKey, timeoutMs: 30_000 })
 * // Map { 'gitlab_team_a' => 'gitlab', 'jira_team_a' => 'jira' }
 */
export async function listGroupSchemas(groupId: string, options: ListGroupSchemasOptions): Promise<Map<string, string>> {
  const client = createFivetranClient({
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const connections = await client.listGroupConnections(groupId, {
    timeoutMs: options.timeoutMs,
    ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
    ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
  });
  return new Map(connections.map((connection) => [connection.schema, connection.service]));
}
