/**
 * Public types of the local Fivetran sandbox (see server.ts).
 */
import type { DuplicateSchemaStatus } from './api';
import type { AccountRateLimitOptions } from './rate-limit';

export type { AccountRateLimitOptions, DuplicateSchemaStatus };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

export interface FivetranSandboxOptions {
  /** Interface to listen on. Default '127.0.0.1'. */
  host?: string;
  /** Port to listen on. Default 0 (ephemeral). */
  port?: number;
  /** Default 'sandbox-key'. */
  apiKey?: string;
  /** Default 'sandbox-secret'. */
  apiSecret?: string;
  /** Group ids that exist. Default ['sandbox_group']. */
  groups?: readonly string[];
  /** Seed of every random choice (connection ids, tokens, random faults). Default 1. */
  seed?: number;
  /** At most `limit` successful creations per rolling `windowMs`; beyond, 429 TooManyRequests. */
  createRateLimit?: { limit: number; windowMs: number };
  /**
   * The account's limits on every authenticated request (lookups too), per rolling minute and hour: beyond,
   * 429 TooManyRequests with Retry-After; every answer carries X-Rate-Limit and X-Rate-Limit-Remaining.
   */
  accountRateLimit?: AccountRateLimitOptions;
  /**
   * The account's limits on setup-test runs, per rolling minute and hour (Fivetran's: 250 and 2,500, see
   * `FIVETRAN_SETUP_TEST_LIMITS`): creates with `run_setup_tests` (the default), PATCHes that run them and
   * `POST /v1/connections/{id}/test` count; beyond, 429 TooManyRequests with Retry-After. Default: no limit.
   */
  setupTestRateLimit?: AccountRateLimitOptions;
  /** Groups the API key's role may not use: their listing, creates and Connect Cards answer 403 Forbidden. */
  forbiddenGroups?: readonly string[];
  /** How a create whose schema is taken in its group is refused: 409 Conflict (default) or 400 InvalidInput. */
  duplicateSchemaStatus?: DuplicateSchemaStatus;
  /**
   * Fivetran's own limit on one request (60 s, errors.ts [timeout]): a request held this long (by a latency fault
   * or `server-timeout`) is applied and then answered 500. Default 60000.
   */
  serverTimeoutMs?: number;
  /** Check every body sent against the contract first (default true); a violation becomes a 500 and is recorded. */
  validateResponses?: boolean;
  /** Receives one line per request (and per contract violation). Default: silent. */
  log?: (line: string) => void;
}

/** Statuses a `status` fault may answer with; 404 says `NotFound` as for a route Fivetran does not serve. */
export type InjectableStatus = 400 | 401 | 403 | 404 | 408 | 409 | 429 | 500 | 501 | 502 | 503 | 504 | 505 | 520 | 522;

interface FaultTarget {
  /** Only requests with this method. Default: any. */
  method?: HttpMethod;
  /** Only requests whose path (without query) equals this string or matches this RegExp. Default: any. */
  path?: string | RegExp;
  /** How many matching requests the rule applies to. Default 1; Infinity allowed. */
  times?: number;
}

export type FaultRule = FaultTarget &
  (
    | { kind: 'latency'; delayMs: number }
    | {
        kind: 'status';
        status: InjectableStatus;
        retryAfterSeconds?: number;
        /** Sent instead of the default `{code, message}`: an object as JSON, a string as text/html. Not contract-checked. */
        body?: unknown;
      }
    /** Destroys the socket without answering: the client sees a reset. */
    | { kind: 'drop' }
    /** Applies a create (POST /v1/connections only), then answers 500. */
    | { kind: 'created-then-500' }
    /** Applies a create (POST /v1/connections only), then destroys the socket. */
    | { kind: 'created-then-drop' }
    /** Applies a change (POST, PATCH or DELETE, e.g. an update), then answers 500. */
    | { kind: 'applied-then-500' }
    /** Holds the request for `serverTimeoutMs`, applies it (a create is made), then answers 500. */
    | { kind: 'server-timeout' }
  );

export type FaultKind = FaultRule['kind'];

export interface RandomFaultConfig {
  /** Default: the sandbox's `seed`. */
  seed?: number;
  /**
   * Retry-After of the "long" random 429, in whole seconds. Default 3600 (Fivetran's documented
   * example); tests that must see the rate-limited request come back set a few seconds.
   */
  longRetryAfterSeconds?: number;
  /** Per-request probabilities; all but `latency` are exclusive outcomes and must sum to at most 1. */
  probabilities: {
    latency?: { p: number; minMs: number; maxMs: number };
    /** 429 with Retry-After: 1. */
    status429Short?: number;
    /** 429 with Retry-After: `longRetryAfterSeconds` (default 3600, Fivetran's documented example). */
    status429Long?: number;
    /** One of 500, 502, 503, 504. */
    status5xx?: number;
    drop?: number;
    /** Creates only. */
    createdThen500?: number;
  };
}

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-cased names; `authorization` holds 'valid' or 'invalid', never the credentials. */
  headers: Record<string, string>;
  /** Parsed JSON; the raw text when it was not JSON; undefined when empty. */
  body: unknown;
  /** null when the socket was dropped without an answer. */
  status: number | null;
  /** The Retry-After header of the answer, when it had one (429s). */
  retryAfter?: string;
  faultKind?: FaultKind;
}

export interface StoredConnection {
  id: string;
  groupId: string;
  schema: string;
  /**
   * The create body as received, with the `config` and `auth` of later updates merged in: the credentials the
   * setup tests read (secrets included: this never leaves the process).
   */
  createRequest: Record<string, unknown>;
  /** What GET /v1/connections/{id} answers as `data`. */
  data: GitlabConnectionData;
}

export interface ConnectionSeed {
  groupId: string;
  schema: string;
  /** Default 'gitlab'. */
  service?: string;
  paused?: boolean;
}

export interface ContractViolation {
  method: string;
  path: string;
  status: number;
  errors: string[];
}

/** `gitlab_ConnectorResponseV1` as the sandbox fills it. */
export interface GitlabConnectionData {
  id: string;
  group_id: string;
  /** 'gitlab' for everything created through the API; other services only through `seedConnection`. */
  service: string;
  service_version: number;
  schema: string;
  connected_by: string;
  created_at: string;
  paused: boolean;
  pause_after_trial: boolean;
  sync_frequency: number;
  schedule_type: string;
  data_delay_sensitivity: string;
  data_delay_threshold: number;
  daily_sync_time?: string;
  networking_method?: string;
  proxy_agent_id?: string;
  private_link_id?: string;
  hybrid_deployment_agent_id?: string;
  destination_schema_names?: string;
  destination_configuration?: Record<string, unknown>;
  status: {
    setup_state: 'connected' | 'incomplete' | 'broken';
    sync_state: 'scheduled' | 'paused';
    update_state: 'on_schedule';
    is_historical_sync: boolean;
    tasks: Array<{ code: string; message: string }>;
    warnings: Array<{ code: string; message: string }>;
  };
  setup_tests?: Array<{ title: string; status: 'PASSED' | 'SKIPPED' | 'WARNING' | 'FAILED' | 'JOB_FAILED'; message?: string }>;
  connect_card?: { token: string; uri: string };
  connect_card_config?: { redirect_uri: string; hide_setup_guide?: boolean; all_fields?: boolean };
  config: Record<string, string>;
}

export interface FivetranSandbox {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** Every request, in arrival-of-answer order; a live array. */
  readonly calls: readonly RecordedCall[];
  /** Requests received and not answered yet (e.g. held by a latency fault). */
  readonly pendingRequests: number;
  /** Bodies the sandbox was about to send that broke the contract; should stay empty. */
  readonly contractViolations: readonly ContractViolation[];
  /** Copies of the stored connections, in creation order. */
  connections(): StoredConnection[];
  /**
   * Stores a connection as if it had existed before the test (any service, e.g. to occupy a
   * schema name with a non-GitLab connection); throws SandboxConfigError on an unknown group or a taken schema.
   */
  seedConnection(seed: ConnectionSeed): StoredConnection;
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  setRandomFaults(config: RandomFaultConfig | null): void;
  /** Delay before every POST /v1/connections is handled; 0 turns it off. From `serverTimeoutMs` up, creates answer 500 after being applied. */
  setCreateLatency(ms: number): void;
  /** Switches how a duplicate schema is refused (see `duplicateSchemaStatus`); kept across `reset()`. */
  setDuplicateSchemaStatus(status: DuplicateSchemaStatus): void;
  /** Forgets connections, calls, faults, create latency and rate-limit history; keeps contract violations. */
  reset(): void;
  /** Closes the server and every open socket. */
  close(): Promise<void>;
}
