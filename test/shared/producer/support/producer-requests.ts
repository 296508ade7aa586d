import { patRequest } from '../../../../local/world/fixtures';

/** Valid requests with distinct ids and schemas, for producer tests. */
export const validRequests = (count: number, prefix = 'batch') =>
  Array.from({ length: count }, (_, i) => patRequest({ schema: `gitlab_${prefix}_${i}`, requestId: `${prefix}-${i}` }));

/** A request the worker refuses: a secret value inline and an unknown sync frequency. */
export const invalidRequest = () => {
  const request = patRequest({ schema: 'gitlab_invalid', requestId: 'invalid-1' }) as Record<string, unknown> & {
    connection: Record<string, unknown> & { config: Record<string, unknown> };
  };
  request.connection.sync_frequency = 7;
  request.connection.config.personal_access_token = 'pasted-secret';
  return request;
};
