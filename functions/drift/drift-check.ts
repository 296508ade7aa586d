import type { Ledger } from '../../shared/ledger/ledger';
import { reapplyRequestsFor, type SendReapplyRequests } from '../../shared/producer/reapply-requests';
import type { Deadline } from '../../shared/runtime/retry';

/**
 * The secret's AWSCURRENT version id, from DescribeSecret (no value is read);
 * undefined when the secret has no AWSCURRENT version. Throws when the secret
 * cannot be described.
 */
export type CurrentVersionOf = (secretName: string, deadline: Deadline) => Promise<string | undefined>;

export interface DriftCheckDeps {
  ledger: Ledger;
  currentVersionOf: CurrentVersionOf;
  send: SendReapplyRequests;
  credentialsSecretPrefix: string;
  /** Secrets looked at once. */
  concurrency: number;
  /** Where the walk starts in the list (0 ≤ r < 1), so a run cut short by its deadline does not always leave out the same tail. */
  random?: () => number;
  /** A secret that could not be described: its name (names are not secret) and why. */
  onUnreadable?: (secretName: string, reason: string) => void;
}

export interface DriftCheckResult {
  /** Secrets some active or paused connection uses. */
  secrets: number;
  /** The requests sent, one per connection behind its secret's AWSCURRENT version. */
  requestIds: string[];
  /** Secrets that could not be described (or lie outside the credentials prefix). */
  unreadable: string[];
  /** Secrets not looked at because the invocation ran out of time. */
  notChecked: number;
  /** Secrets whose connections could not be read or whose requests could not be sent. */
  sendFailures: number;
  /** The first of those faults: the handler throws it once the run is logged, so the next try (or run) sends again. */
  sendError?: unknown;
}

/**
 * The scheduled drift check: for every credentials secret in use, compares
 * its AWSCURRENT version with the version each connection was given, and
 * sends a reapply_credentials request (trigger `drift`) for each connection
 * behind. It catches rotations whose event was lost, and connections whose
 * re-application failed. A secret that cannot be described is counted and
 * the rest go on; so does a secret whose requests could not be sent, whose
 * fault the result carries (`sendError`). Never throws but for the ledger's
 * list of secrets.
 */
export async function checkDrift(deps: DriftCheckDeps, deadline: Deadline): Promise<DriftCheckResult> {
  const names = await deps.ledger.secretsInUse({ deadline });
  const start = Math.floor((deps.random ?? Math.random)() * names.length);
  const ordered = [...names.slice(start), ...names.slice(0, start)];
  const result: DriftCheckResult = { secrets: names.length, requestIds: [], unreadable: [], notChecked: 0, sendFailures: 0 };

  const unreadable = (name: string, reason: string) => {
    result.unreadable.push(name);
    deps.onUnreadable?.(name, reason);
  };

  const checkOne = async (name: string): Promise<void> => {
    if (!name.startsWith(deps.credentialsSecretPrefix)) {
      unreadable(name, 'outside the credentials prefix, which is all this function may describe');
      return;
    }
    let versionId: string | undefined;
    try {
      versionId = await deps.currentVersionOf(name, deadline);
    } catch (error) {
      unreadable(name, error instanceof Error ? `${error.name}: ${error.message}` : 'DescribeSecret failed');
      return;
    }
    if (versionId === undefined) {
      unreadable(name, 'the secret has no AWSCURRENT version');
      return;
    }
    try {
      const connections = await deps.ledger.connectionsUsingSecret(name, { deadline });
      const requests = reapplyRequestsFor(connections, versionId, 'drift');
      await deps.send(requests, deadline);
      result.requestIds.push(...requests.map((request) => request.requestId));
    } catch (error) {
      result.sendFailures += 1;
      if (result.sendFailures === 1) result.sendError = error;
    }
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ordered.length) {
      if (deadline.remainingMs() <= 0) {
        result.notChecked = ordered.length - next;
        next = ordered.length;
        return;
      }
      const name = ordered[next]!;
      next += 1;
      await checkOne(name);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(deps.concurrency, ordered.length)) }, worker));
  return result;
}
