import { ProvisioningError } from '../errors';
import { FivetranFault } from './fivetran-fault';

/** Statuses after which the same call may well succeed. */
const RETRYABLE_STATUSES = new Set([408, 500, 502, 503, 504]);

export type FivetranOperation = 'lookup' | 'create';

/**
 * Decides what a failed Fivetran call means for the request. The same status
 * can mean different things per operation: a 404 on the group listing is a
 * group that does not exist; a 5xx on a create may have created it anyway.
 */
export function classifyFivetranFault(error: unknown, operation: FivetranOperation): ProvisioningError {
  if (error instanceof ProvisioningError) return error;
  if (!(error instanceof FivetranFault)) {
    return new ProvisioningError('FIVETRAN_UNAVAILABLE', `Calling Fivetran failed unexpectedly; will retry`, { cause: error });
  }
  const fivetran =
    error.status === undefined
      ? undefined
      : {
          status: error.status,
          ...(error.fivetranCode === undefined ? {} : { code: error.fivetranCode }),
          ...(error.fivetranMessage === undefined ? {} : { message: error.fivetranMessage }),
        };
  const withAnswer = { cause: error, ...(fivetran ? { fivetran } : {}) };
  if (error.kind !== 'http' || RETRYABLE_STATUSES.has(error.status ?? 0)) {
    return new ProvisioningError('FIVETRAN_UNAVAILABLE', `${error.message}; will retry`, withAnswer);
  }
  switch (error.status) {
    case 429:
      return new ProvisioningError('FIVETRAN_RATE_LIMITED', `${error.message}; will retry`, {
        ...withAnswer,
        ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
      });
    case 401:
    case 403:
      return new ProvisioningError(
        'FIVETRAN_AUTH_FAILED',
        `${error.message}: the provisioner's Fivetran API key was refused; fix the API key secret (the request will be retried)`,
        withAnswer,
      );
    case 404:
      return new ProvisioningError(
        'GROUP_NOT_FOUND',
        `Fivetran has no group with this connection.group_id (${error.fivetranCode ?? '404'}); fix group_id`,
        withAnswer,
      );
    default:
      return new ProvisioningError(
        'FIVETRAN_REJECTED',
        `Fivetran refused the ${operation === 'create' ? 'connection' : 'lookup'} (${error.status}${error.fivetranCode ? ` ${error.fivetranCode}` : ''})${
          error.fivetranMessage ? `: ${error.fivetranMessage}` : ''
        }`,
        withAnswer,
      );
  }
}

/** A create whose fate is unknown: Fivetran may have applied it, so look before creating again. */
export function isAmbiguousCreateFault(error: unknown): boolean {
  if (!(error instanceof FivetranFault)) return false;
  return error.kind !== 'http' || (error.status !== undefined && error.status >= 500);
}

/** A create Fivetran refused in a way that may mean "that schema exists already". */
export function isRefusalWorthALookup(error: unknown): boolean {
  return error instanceof FivetranFault && error.kind === 'http' && (error.status === 400 || error.status === 409);
}
