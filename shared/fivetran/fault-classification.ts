import { ProvisioningError } from '../runtime/errors';
import { FivetranFault } from './fault';

/** Statuses below 500 after which the same call may well succeed; every status from 500 up is transient too. */
const RETRYABLE_CLIENT_STATUSES = new Set([408]);

export type FivetranOperation = 'lookup' | 'create' | 'connect-card' | ConnectionOperation;
/** Calls on one existing connection: a 404 naming the connection means it is gone. */
export type ConnectionOperation = 'read' | 'update' | 'setup-tests' | 'delete';

const ACTIONS: Record<FivetranOperation, string> = {
  lookup: 'listing of the group',
  create: 'create',
  'connect-card': 'Connect Card',
  read: 'read of the connection',
  update: 'update of the connection',
  'setup-tests': 'setup tests of the connection',
  delete: 'deletion of the connection',
};
const CONNECTION_OPERATIONS = new Set<FivetranOperation>(['read', 'update', 'setup-tests', 'delete']);

/**
 * Decides what a failed Fivetran call means for the request. The same status
 * can mean different things per operation: a 5xx on a create may have created
 * the connection anyway (the caller looks before trying again), and a 404 is
 * about the request only when Fivetran names the resource it did not find.
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
  const status = error.status ?? 0;
  if (error.code !== 'FIVETRAN_HTTP_ERROR' || status >= 500 || RETRYABLE_CLIENT_STATUSES.has(status)) {
    return new ProvisioningError('FIVETRAN_UNAVAILABLE', `${error.message}; will retry`, withAnswer);
  }
  switch (status) {
    case 429:
      return new ProvisioningError('FIVETRAN_RATE_LIMITED', `${error.message}; will retry`, {
        ...withAnswer,
        ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
      });
    case 401:
      return new ProvisioningError(
        'FIVETRAN_AUTH_FAILED',
        `${error.message}: the provisioner's Fivetran API key was refused; fix the API key secret (the request will be retried)`,
        withAnswer,
      );
    case 403:
      // A valid key whose role lacks a permission, possibly for this group only: retrying cannot help.
      return new ProvisioningError(
        'PERMISSION_DENIED',
        `Fivetran denied the provisioner's API key the ${ACTIONS[operation]} (403${error.fivetranCode ? ` ${error.fivetranCode}` : ''})${
          error.fivetranMessage ? `: ${error.fivetranMessage}` : ''
        }; grant the key's role that permission on the group`,
        withAnswer,
      );
    case 404:
      return classifyNotFound(error, operation, withAnswer);
    default:
      return new ProvisioningError(
        'FIVETRAN_REJECTED',
        `Fivetran refused the ${describe(operation)} (${status}${error.fivetranCode ? ` ${error.fivetranCode}` : ''})${
          error.fivetranMessage ? `: ${error.fivetranMessage}` : ''
        }`,
        withAnswer,
      );
  }
}

/** The resource a `NotFound_<Type>` code names, or undefined for a 404 that names none (`NotFound`, or no body). */
function notFoundResource(code: string | undefined): string | undefined {
  return code?.startsWith('NotFound_') ? code.slice('NotFound_'.length) : undefined;
}

function classifyNotFound(
  error: FivetranFault,
  operation: FivetranOperation,
  withAnswer: { cause: unknown; fivetran?: { status: number; code?: string; message?: string } },
): ProvisioningError {
  const resource = notFoundResource(error.fivetranCode);
  if (resource === 'Group') {
    return new ProvisioningError(
      'GROUP_NOT_FOUND',
      `Fivetran has no group with this connection.group_id (${error.fivetranCode}); fix group_id`,
      withAnswer,
    );
  }
  if (resource === undefined) {
    return new ProvisioningError(
      'FIVETRAN_ROUTE_NOT_FOUND',
      `${error.message}: Fivetran does not know this route, so FIVETRAN_API_URL is wrong or the API is failing; will retry`,
      withAnswer,
    );
  }
  // Fivetran renamed connectors to connections; its codes carry either name.
  if ((resource === 'Connection' || resource === 'Connector') && CONNECTION_OPERATIONS.has(operation)) {
    return new ProvisioningError(
      'CONNECTION_NOT_FOUND',
      `Fivetran has no such connection (404 ${error.fivetranCode}): it was deleted, or the target names another account's connection`,
      withAnswer,
    );
  }
  if (resource === 'Connection' || resource === 'Connector') {
    // Deleted between the lookup and this call: the next try looks again and creates it anew.
    return new ProvisioningError(
      'FIVETRAN_UNAVAILABLE',
      `${error.message}: the connection is gone since it was found; will retry`,
      withAnswer,
    );
  }
  return new ProvisioningError(
    'FIVETRAN_REJECTED',
    `Fivetran refused the ${describe(operation)}: it has no such ${resource} (404 ${error.fivetranCode})${
      error.fivetranMessage ? `: ${error.fivetranMessage}` : ''
    }`,
    withAnswer,
  );
}

function describe(operation: FivetranOperation): string {
  return operation === 'create' ? 'connection' : operation === 'lookup' ? 'lookup' : ACTIONS[operation];
}

/** A create whose fate is unknown: Fivetran may have applied it, so look before creating again. */
export function isAmbiguousCreateFault(error: unknown): boolean {
  if (!(error instanceof FivetranFault)) return false;
  return error.code !== 'FIVETRAN_HTTP_ERROR' || (error.status !== undefined && error.status >= 500);
}

/** A create Fivetran refused in a way that may mean "that schema exists already". */
export function isRefusalWorthALookup(error: unknown): boolean {
  return error instanceof FivetranFault && error.code === 'FIVETRAN_HTTP_ERROR' && (error.status === 400 || error.status === 409);
}
