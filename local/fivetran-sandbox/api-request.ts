/**
 * What the sandbox's API receives and answers, and the parts of a request it reads as Fivetran does:
 * the JSON body, the page size, the methods a route allows.
 */
import { FIVETRAN_ERROR_CODES as CODES, defaultErrorCode, FivetranApiError, FIVETRAN_ERROR_MESSAGES as MESSAGES } from './errors';

/** Which contract a response body is held to before it is sent ('none': injected on purpose, unchecked). */
export type ResponseContract =
  | 'createResponse'
  | 'getResponse'
  | 'listResponse'
  | 'groupListResponse'
  | 'deleteResponse'
  | 'updateResponse'
  | 'setupTestsResponse'
  | 'connectCardResponse'
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

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

/** The answer to an error, shaped as Fivetran's `{code, message}`. */
export function errorResponse(error: FivetranApiError): ApiResponse {
  return {
    status: error.status,
    body: { code: error.code, message: error.message },
    headers: error.headers,
    contract: 'errorResponse',
  };
}

export function methodNotAllowed(method: string, path: string, allowed: readonly string[]): FivetranApiError {
  return new FivetranApiError(405, defaultErrorCode(405), `Method ${method} is not supported on ${path} by this sandbox`, {
    Allow: allowed.join(', '),
  });
}

export function parseJsonBody(request: ApiRequest): unknown {
  const mediaType = request.contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new FivetranApiError(415, CODES.unsupportedMediaType, `Content-Type must be application/json, got '${mediaType ?? ''}'`);
  }
  try {
    return JSON.parse(request.rawBody);
  } catch {
    throw new FivetranApiError(400, CODES.invalidInput, MESSAGES.notJson);
  }
}

export function parseLimit(raw: string | null): number {
  if (raw === null) return DEFAULT_PAGE_SIZE;
  const limit = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE_SIZE)) {
    throw new FivetranApiError(400, CODES.invalidInput, `Query parameter 'limit' must be a number in the range 1..${MAX_PAGE_SIZE}`);
  }
  return limit;
}
