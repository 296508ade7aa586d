/**
 * Typed errors of the sandbox: the Fivetran-style API errors it answers with, and the
 * programming errors of whoever configures it.
 */

/**
 * An error the sandbox answers as Fivetran does: HTTP status plus `{code, message}`.
 * Codes follow Fivetran's documentation where it names them (InvalidInput, AuthFailed,
 * NotFound_<Type>, TooManyRequests); the others are educated guesses, kept in FIVETRAN_ERROR_CODES.
 */
export class FivetranApiError extends Error {
  override name = 'FivetranApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Error codes per situation, in one place so that a better-informed guess is a one-line change. */
export const FIVETRAN_ERROR_CODES = {
  invalidInput: 'InvalidInput',
  authFailed: 'AuthFailed',
  /** Guess: Fivetran documents 403 but not its code. */
  accessDenied: 'AccessDenied',
  notFound: 'NotFound',
  groupNotFound: 'NotFound_Group',
  connectionNotFound: 'NotFound_Connection',
  /** Guess: Fivetran documents 405 but not its code. */
  methodNotAllowed: 'MethodNotAllowed',
  /** Guess: Fivetran documents 409 for conflicts (e.g. a duplicate schema) but not its code. */
  conflict: 'Conflict',
  /** Guess: Fivetran documents 415 but not its code. */
  unsupportedMediaType: 'UnsupportedMediaType',
  /** Guess, as is every 5xx code below. */
  payloadTooLarge: 'PayloadTooLarge',
  tooManyRequests: 'TooManyRequests',
  internalError: 'InternalServerError',
  badGateway: 'BadGateway',
  serviceUnavailable: 'ServiceUnavailable',
  gatewayTimeout: 'GatewayTimeout',
} as const;

/** The code a sandbox answer with this HTTP status carries when nothing more specific applies. */
export function defaultErrorCode(status: number): string {
  switch (status) {
    case 400: return FIVETRAN_ERROR_CODES.invalidInput;
    case 401: return FIVETRAN_ERROR_CODES.authFailed;
    case 403: return FIVETRAN_ERROR_CODES.accessDenied;
    case 404: return FIVETRAN_ERROR_CODES.notFound;
    case 405: return FIVETRAN_ERROR_CODES.methodNotAllowed;
    case 409: return FIVETRAN_ERROR_CODES.conflict;
    case 413: return FIVETRAN_ERROR_CODES.payloadTooLarge;
    case 415: return FIVETRAN_ERROR_CODES.unsupportedMediaType;
    case 429: return FIVETRAN_ERROR_CODES.tooManyRequests;
    case 502: return FIVETRAN_ERROR_CODES.badGateway;
    case 503: return FIVETRAN_ERROR_CODES.serviceUnavailable;
    case 504: return FIVETRAN_ERROR_CODES.gatewayTimeout;
    default: return FIVETRAN_ERROR_CODES.internalError;
  }
}

/** The sandbox was configured with something it cannot honour (bad option, bad fault rule). */
export class SandboxConfigError extends Error {
  override name = 'SandboxConfigError';
}
