import { parseProvisioningRequest } from '../request-parser';

export type RequestValidation =
  | { ok: true; requestId: string; body: string }
  | { ok: false; requestId: string | null; reason: string };

/**
 * Checks a request exactly as the worker will: the same serialized body, the
 * same parser, the same size limit. A request that passes here is never
 * refused by the worker as INVALID_REQUEST.
 *
 * @example validateRequest(JSON.parse(line)) // { ok: false, reason: 'connection.sync_frequency: must be one of …' }
 */
export function validateRequest(request: unknown): RequestValidation {
  const body = JSON.stringify(request);
  if (body === undefined) return { ok: false, requestId: null, reason: 'the request is not a JSON value' };
  const parsed = parseProvisioningRequest(body);
  if (parsed.ok) return { ok: true, requestId: parsed.request.requestId, body };
  return { ok: false, requestId: parsed.known.requestId, reason: parsed.error.message.replace(/^Invalid request: /, '') };
}
