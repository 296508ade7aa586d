import type { FivetranClient } from '../../shared/fivetran/client';
import {
  type ConnectionOperation,
  classifyFivetranFault,
  isAmbiguousCreateFault,
  isRefusalWorthALookup,
} from '../../shared/fivetran/fault-classification';
import type { FivetranConnection } from '../../shared/fivetran/schemas';
import { ProvisioningError } from '../../shared/runtime/errors';
import { type BackoffOptions, type Deadline, nextDelayMs } from '../../shared/runtime/retry';
import type { CreateConnectionBody } from './credentials';
import { callThroughGate, MIN_CALL_MS } from './gated-call';
import type { CallKind, RateGate } from './rate-gate';

export interface ProvisionOptions {
  client: FivetranClient;
  /** Lookups and Connect Cards. */
  requestTimeoutMs: number;
  /** Creates: they run setup tests, and Fivetran answers one only after up to 60 s. */
  createTimeoutMs: number;
  /** Tries within this delivery; the queue brings the record back for more. */
  maxAttempts: number;
  backoff: BackoffOptions;
  /** No call starts, and no wait begins, that would end past this. */
  deadline: Deadline;
  sleep(ms: number): Promise<void>;
  random(): number;
  /** Holds calls back while Fivetran rate-limits, shared by the records of a container. */
  gate?: RateGate;
  /** A listing of the group shared by the batch; used for the first look instead of a lookup call. */
  snapshot?: {
    find(list: () => Promise<FivetranConnection[]>): Promise<FivetranConnection[]>;
    remember(connection: FivetranConnection): void;
  };
  onRetry?(retry: { attempt: number; delayMs: number; error: ProvisioningError }): void;
  /** Told of every 429, before the gate closes. */
  onRateLimited?(retryAfterSeconds: number | undefined): void;
  /** Runs each Fivetran call, e.g. inside a trace subsegment; the call itself when absent. */
  traceCall?: FivetranCallTracer;
  /**
   * An earlier delivery looked the schema up, found nothing, and sent no create whose fate is unknown since:
   * the first try creates at once. A connection made meanwhile (a duplicate request) makes Fivetran refuse
   * the create with 409/400, and the refusal is looked up as always.
   */
  knownAbsent?: boolean;
  /** Before each create try: a slot in Fivetran's shared creation budget (creation-admission.ts). */
  admitCreate?(): Promise<void>;
}

/** Which Fivetran call a record makes. */
/** What a traced Fivetran call was for: the create path's calls, and the lifecycle's calls on one connection. */
export type FivetranOperation = 'list-group' | 'find-schema' | 'create' | 'connect-card' | ConnectionOperation;
export type FivetranCallTracer = <T>(operation: FivetranOperation, call: () => Promise<T>) => Promise<T>;

export type ProvisionOutcome =
  | { ok: true; outcome: 'created' | 'already_exists'; connection: FivetranConnection; attempts: number }
  | {
      ok: false;
      error: ProvisioningError;
      attempts: number /** No create of unknown fate since the last lookup found nothing. */;
      knownAbsent: boolean;
    };

/** Re-exported for the tests that size their deadlines by it. */
export { MIN_CALL_MS };

/**
 * Creates the connection unless one with its schema exists in its group, and
 * never creates two: it looks before the first create, after any create whose
 * fate is unknown (no answer, 5xx), and after a 400/409 refusal. Transient
 * faults are retried with jittered backoff while attempts and time remain.
 * A connect-card request whose connection exists gets a fresh card for it.
 */
export async function provisionConnection(body: CreateConnectionBody, options: ProvisionOptions): Promise<ProvisionOutcome> {
  const { client, deadline, gate, snapshot } = options;
  const groupId = body.group_id;
  const schema = body.config.schema;
  let needsLookup = options.knownAbsent !== true;
  let foundNothing = options.knownAbsent === true;
  let firstLook = true;
  let attempts = 0;
  /** The fault of the last try: when the time runs out after it, it is what the record failed of. */
  let lastFault: ProvisioningError | undefined;

  /** Runs one Fivetran call through the gate, with a timeout that ends before the deadline. */
  const guarded = <T>(kind: CallKind, operation: FivetranOperation, call: (timeoutMs: number) => Promise<T>): Promise<T> =>
    callThroughGate(
      kind,
      kind === 'create' ? options.createTimeoutMs : options.requestTimeoutMs,
      (timeoutMs) => (options.traceCall ? options.traceCall(operation, () => call(timeoutMs)) : call(timeoutMs)),
      {
        gate,
        deadline,
        lastFault,
        ...(options.onRateLimited ? { onRateLimited: options.onRateLimited } : {}),
        ...(kind === 'create' && options.admitCreate ? { admit: options.admitCreate } : {}),
      },
    );

  const lookUp = async (): Promise<ProvisionOutcome | undefined> => {
    const fresh = (): Promise<FivetranConnection[]> =>
      guarded('lookup', 'find-schema', (timeoutMs) => client.findConnectionsBySchema(groupId, schema, { timeoutMs, deadline }));
    let existing: FivetranConnection[];
    try {
      existing =
        firstLook && snapshot
          ? await snapshot.find(() =>
              guarded('lookup', 'list-group', (timeoutMs) => client.listGroupConnections(groupId, { timeoutMs, deadline })),
            )
          : await fresh();
    } catch (error) {
      throw classifyFivetranFault(error, 'lookup');
    }
    firstLook = false;
    const match = existing[0];
    foundNothing = match === undefined;
    if (match === undefined) return undefined;
    if (match.service !== 'gitlab') {
      throw new ProvisioningError(
        'SCHEMA_TAKEN',
        `Schema "${schema}" in group ${groupId} belongs to a ${match.service} connection (${match.id}); choose another config.schema`,
      );
    }
    snapshot?.remember(match);
    return handOut(match);
  };

  /**
   * An existing connection answers a connect-card request only with a card of its own: the one its create
   * returned is lost with that answer (and lives one day), so Fivetran mints a fresh one.
   */
  const handOut = async (match: FivetranConnection): Promise<ProvisionOutcome> => {
    const cardConfig = body.connect_card_config;
    if (cardConfig === undefined) return { ok: true, outcome: 'already_exists', connection: match, attempts };
    let uri: string;
    try {
      uri = await guarded('lookup', 'connect-card', (timeoutMs) => client.createConnectCard(match.id, cardConfig, { timeoutMs }));
    } catch (error) {
      // Whatever failed, the next try looks again: the connection may be gone, or answer differently.
      needsLookup = true;
      throw classifyFivetranFault(error, 'connect-card');
    }
    return { ok: true, outcome: 'already_exists', connection: { ...match, connect_card: { ...match.connect_card, uri } }, attempts };
  };

  for (;;) {
    attempts += 1;
    try {
      if (needsLookup) {
        const existing = await lookUp();
        needsLookup = false;
        if (existing) return existing;
      }
      try {
        const created = await guarded('create', 'create', (timeoutMs) => client.createConnection(body, { timeoutMs }));
        snapshot?.remember(created);
        return { ok: true, outcome: 'created', connection: created, attempts };
      } catch (error) {
        if (error instanceof ProvisioningError) throw error;
        if (isAmbiguousCreateFault(error)) {
          needsLookup = true;
          foundNothing = false;
        }
        if (!isRefusalWorthALookup(error)) throw classifyFivetranFault(error, 'create');
        // A refusal may be Fivetran saying the schema is taken, possibly by our own earlier try.
        const existing = await lookUp();
        if (existing) return existing;
        throw classifyFivetranFault(error, 'create');
      }
    } catch (error) {
      const fault = error instanceof ProvisioningError ? error : classifyFivetranFault(error, 'create');
      lastFault = fault;
      const failed = () => ({ ok: false as const, error: fault, attempts, knownAbsent: foundNothing && !needsLookup });
      if (!fault.retryable || attempts >= options.maxAttempts) return failed();
      const delayMs = nextDelayMs(attempts, fault.retryAfterSeconds, options.backoff, options.random);
      if (delayMs + MIN_CALL_MS > deadline.remainingMs()) return failed();
      options.onRetry?.({ attempt: attempts, delayMs, error: fault });
      await options.sleep(delayMs);
    }
  }
}
