import type { ConnectionEntry, Ledger, RequestEntry } from '../../shared/ledger/ledger';

/**
 * A Ledger in a Map, for the unit tests of logic written over the interface
 * (the component tests use the DynamoDB ledger on dynalite). `fail` makes
 * every call throw, as a ledger that is down would.
 */
export function memoryLedger(connections: readonly ConnectionEntry[] = []) {
  const byId = new Map(connections.map((entry) => [entry.connectionId, { ...entry }]));
  const requests = new Map<string, RequestEntry>();
  let failure: Error | undefined;
  const check = () => {
    if (failure !== undefined) throw failure;
  };
  const ledger: Ledger = {
    async getRequest(requestId) {
      check();
      return requests.get(requestId);
    },
    async recordRequest(entry) {
      check();
      const recorded = requests.get(entry.requestId)?.status;
      // As the DynamoDB ledger's conditions: a success is final, a deferral never replaces an outcome.
      const allowed = entry.status === 'deferred' ? recorded === undefined || recorded === 'deferred' : recorded !== 'succeeded';
      if (allowed) requests.set(entry.requestId, entry);
    },
    async forgetDeferral(requestId, sqsMessageId) {
      check();
      const recorded = requests.get(requestId);
      if (recorded?.status !== 'deferred' || recorded.sqsMessageId !== sqsMessageId) return false;
      requests.delete(requestId);
      return true;
    },
    async getConnection(connectionId) {
      check();
      return byId.get(connectionId);
    },
    async recordConnection(entry) {
      check();
      if (!byId.has(entry.connectionId)) byId.set(entry.connectionId, { ...entry });
    },
    async recordCredentialsApplied(connectionId, applied) {
      check();
      const entry = byId.get(connectionId);
      if (entry === undefined || entry.appliedVersionId !== applied.previousVersionId) return false;
      entry.appliedVersionId = applied.versionId;
      return true;
    },
    async forgetCredentialsApplied(connectionId, versionId) {
      check();
      const entry = byId.get(connectionId);
      if (entry === undefined || entry.appliedVersionId !== versionId) return false;
      delete entry.appliedVersionId;
      return true;
    },
    async setState(connectionId, state) {
      check();
      const entry = byId.get(connectionId);
      if (entry !== undefined) entry.state = state;
    },
    async connectionsUsingSecret(secretName) {
      check();
      return [...byId.values()].filter((entry) => entry.secretName === secretName).map((entry) => ({ ...entry }));
    },
    async secretsInUse() {
      check();
      const names = [...byId.values()]
        .filter((entry) => entry.secretName !== undefined && (entry.state === 'active' || entry.state === 'paused'))
        .map((entry) => entry.secretName!);
      return [...new Set(names)].sort();
    },
  };
  return {
    ledger,
    fail(error: Error | undefined) {
      failure = error;
    },
  };
}

/** A connection entry with the fields a test does not care about filled in. */
export function connectionEntry(fields: Pick<ConnectionEntry, 'connectionId'> & Partial<ConnectionEntry>): ConnectionEntry {
  return {
    groupId: 'sandbox_group',
    schema: `gitlab_${fields.connectionId}`,
    service: 'gitlab',
    authKind: 'personal_access_token',
    state: 'active',
    createdByRequestId: `create-${fields.connectionId}`,
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...fields,
  };
}
