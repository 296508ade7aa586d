import { LIFECYCLE_REQUEST_SCHEMA_VERSION } from '../contracts/lifecycle-request';
import { REQUEST_SCHEMA_VERSION } from '../contracts/request';
import { parseRequest } from '../contracts/request-parser';

export type RequestValidation =
  | {
      ok: true;
      requestId: string;
      body: string;
      /** The `requestSchemaVersion` attribute it travels with: "1" for a create (any worker reads it), "2" for a lifecycle action. */
      schemaVersion: string;
    }
  | { ok: false; requestId: string | null; reason: string };

/**
 * Checks a request (a create or a lifecycle action) exactly as the worker will: the same serialized body, the
 * same parser, the same size limit. A request that passes here is never
 * refused by the worker as INVALID_REQUEST.
 *
 * @example validateRequest(JSON.parse(line)) // { ok: false, reason: 'connection.sync_frequency: must be one of …' }
 */
export function validateRequest(request: unknown): RequestValidation {
  let body: string | undefined;
  try {
    body = JSON.stringify(request);
  } catch (error) {
    // A BigInt, a circular reference, a throwing getter or toJSON: this request alone cannot be sent.
    const why = error instanceof Error ? `${error.name}: ${error.message}` : 'serialization failed';
    return { ok: false, requestId: readableRequestId(request), reason: `the request cannot be written as JSON (${why})` };
  }
  if (body === undefined) return { ok: false, requestId: null, reason: 'the request is not a JSON value' };
  const parsed = parseRequest(body);
  if (parsed.ok) {
    const schemaVersion = parsed.kind === 'create' ? REQUEST_SCHEMA_VERSION : LIFECYCLE_REQUEST_SCHEMA_VERSION;
    return { ok: true, requestId: parsed.request.requestId, body, schemaVersion };
  }
  return { ok: false, requestId: parsed.known.requestId, reason: parsed.error.reason };
}

/** The request's requestId when it can be read without running its code; null otherwise. */
function readableRequestId(request: unknown): string | null {
  if (typeof request !== 'object' || request === null) return null;
  const descriptor = Object.getOwnPropertyDescriptor(request, 'requestId');
  const value: unknown = descriptor && 'value' in descriptor ? descriptor.value : undefined;
  return typeof value === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : null;
}
