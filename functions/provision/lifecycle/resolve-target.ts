import type { ConnectionTarget } from '../../../shared/contracts/lifecycle-request';
import type { ConnectionEntry, Ledger } from '../../../shared/ledger/ledger';
import { ProvisioningError } from '../../../shared/runtime/errors';
import type { Deadline } from '../../../shared/runtime/retry';

/**
 * The id of the connection a lifecycle request names: its Fivetran id, or the
 * connection the create request it names made (read from the ledger); a
 * create request id with no successful create is CONNECTION_NOT_FOUND.
 */
export async function targetConnectionId(target: ConnectionTarget, ledger: Ledger, deadline: Deadline): Promise<string> {
  if ('connectionId' in target) return target.connectionId;
  const create = await ledger.getRequest(target.requestId, { deadline });
  if (create === undefined || create.action !== 'create' || create.status !== 'succeeded' || create.connectionId === undefined) {
    throw new ProvisioningError(
      'CONNECTION_NOT_FOUND',
      `The ledger has no successful create request ${target.requestId}; name the target by the requestId of the create that made the connection, or by its connectionId`,
    );
  }
  return create.connectionId;
}

/**
 * The ledger's entry of the connection. The provisioner acts only on
 * connections it made, so a connection id the ledger does not list is
 * refused (CONNECTION_NOT_MANAGED), whatever Fivetran holds.
 */
export async function managedConnection(connectionId: string, ledger: Ledger, deadline: Deadline): Promise<ConnectionEntry> {
  const entry = await ledger.getConnection(connectionId, { deadline });
  if (entry === undefined) {
    throw new ProvisioningError(
      'CONNECTION_NOT_MANAGED',
      `Connection ${connectionId} is not in the ledger: the provisioner changes only connections it made; change it in Fivetran itself`,
    );
  }
  return entry;
}

/** Refuses an action on a connection that is gone or was decommissioned, without calling Fivetran. */
export function assertLive(entry: ConnectionEntry): void {
  if (entry.state === 'gone' || entry.state === 'decommissioned') {
    throw new ProvisioningError(
      'CONNECTION_NOT_FOUND',
      `Connection ${entry.connectionId} is ${entry.state === 'gone' ? 'gone from Fivetran' : 'decommissioned'}; there is nothing to change`,
    );
  }
}
