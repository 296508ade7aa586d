import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback';
import { type SecretLabelListener, SecretsError, SecretVault } from './secrets-versions';

export type { SecretLabelListener, SecretLabelUpdatedEvent } from './secrets-versions';

/**
 * A loopback stand-in for the two AWS services that have no local emulator
 * here: Secrets Manager (`CreateSecret`, `GetSecretValue`, `PutSecretValue`,
 * `DescribeSecret`, `ListSecretVersionIds`, with versions and staging labels:
 * secrets-versions.ts) and EventBridge (`PutEvents`). It
 * speaks their real JSON wire protocol, so the AWS SDK talks to it unchanged
 * through `AWS_ENDPOINT_URL_SECRETS_MANAGER` and `AWS_ENDPOINT_URL_EVENTBRIDGE`.
 */

export interface PublishedEvent {
  id: string;
  time: string;
  eventBusName: string;
  source: string;
  detailType: string;
  detail: unknown;
  /** Of the stand-in, as EventBridge stamps them on every event. */
  account: string;
  region: string;
  /** The entry's Resources (ARNs), as PutEvents received them. */
  resources: string[];
}

export interface AwsStandInOptions {
  /** Secret name → SecretString, each stored as a first version labelled AWSCURRENT. ARNs resolve by their name part. */
  secrets?: Record<string, string>;
  /** Receives every `Secret Label Updated` event (AWSCURRENT moved); more can be added with `onSecretLabelUpdated`. */
  onSecretLabelUpdated?: SecretLabelListener;
  /**
   * Called with every event PutEvents is given. If it throws (the event could
   * not be kept), the entry is answered as failed and the event not accepted.
   */
  onEvent?: (event: PublishedEvent) => void;
  region?: string;
  accountId?: string;
  /** Default: a free port. */
  port?: number;
}

export type StandInOperation =
  | 'GetSecretValue'
  | 'PutSecretValue'
  | 'DescribeSecret'
  | 'ListSecretVersionIds'
  | 'CreateSecret'
  | 'PutEvents';

/** The account of everything local: fauxqs's queues and the stand-in's secrets and events. */
export const LOCAL_ACCOUNT_ID = '000000000000';

export interface AwsStandIn {
  /** http://127.0.0.1:PORT, for both endpoint variables. */
  url: string;
  /** Every event accepted, in order. */
  events: PublishedEvent[];
  /** Every SecretId asked for, in order. */
  secretReads: string[];
  /** Creates the secret, or puts `value` as its new AWSCURRENT version (a label event follows); undefined deletes it. */
  setSecret(name: string, value: string | undefined): void;
  /** Registers a listener of `Secret Label Updated` events; the returned function removes it. */
  onSecretLabelUpdated(listener: SecretLabelListener): () => void;
  /** Makes the next `count` calls of an operation fail with this AWS error type. */
  failNext(operation: StandInOperation, errorType: string, count?: number): void;
  /**
   * Makes the next `count` calls of an operation (those `match` accepts, when
   * given) get no answer at all: the request is held open until the stand-in
   * closes, as by a service that hangs.
   */
  hangNext(operation: StandInOperation, count?: number, match?: (input: Record<string, unknown>) => boolean): void;
  /** Answers the next `count` calls of an operation with this body (HTTP 200) instead of doing it, as a service that lies; after earlier lies. */
  answerNext(operation: StandInOperation, body: unknown, count?: number): void;
  /** Requests held without an answer so far. */
  readonly hung: number;
  close(): Promise<void>;
}

type Handler = (input: Record<string, unknown>) => { status: number; body: unknown };

export async function startAwsStandIn(options: AwsStandInOptions = {}): Promise<AwsStandIn> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const vault = new SecretVault(region, accountId);
  if (options.onSecretLabelUpdated !== undefined) vault.onSecretLabelUpdated(options.onSecretLabelUpdated);
  for (const [name, value] of Object.entries(options.secrets ?? {})) vault.set(name, value);
  const events: PublishedEvent[] = [];
  const secretReads: string[] = [];
  const failures = new Map<string, { errorType: string; count: number }>();
  const hangs: Array<{ operation: string; count: number; match?: (input: Record<string, unknown>) => boolean }> = [];
  const lies: Array<{ operation: string; body: unknown; count: number }> = [];
  let hung = 0;

  const awsError = (status: number, type: string, message: string) => ({ status, body: { __type: type, message } });
  const secretsCall = (operation: () => Record<string, unknown>) => {
    try {
      return { status: 200, body: operation() };
    } catch (error) {
      if (error instanceof SecretsError) return awsError(400, error.type, error.message);
      throw error;
    }
  };

  const handlers: Record<string, Handler> = {
    'secretsmanager.GetSecretValue': (input) => {
      secretReads.push(String(input.SecretId ?? ''));
      return secretsCall(() => vault.getValue(input));
    },
    'secretsmanager.PutSecretValue': (input) => secretsCall(() => vault.putValue(input)),
    'secretsmanager.DescribeSecret': (input) => secretsCall(() => vault.describe(input)),
    'secretsmanager.ListSecretVersionIds': (input) => secretsCall(() => vault.listVersionIds(input)),
    'secretsmanager.CreateSecret': (input) => secretsCall(() => vault.create(input)),
    'AWSEvents.PutEvents': (input) => {
      const entries = Array.isArray(input.Entries) ? (input.Entries as Record<string, unknown>[]) : [];
      if (entries.length === 0 || entries.length > 10) return awsError(400, 'ValidationException', 'Entries must hold 1 to 10 entries');
      const results = entries.map((entry) => {
        let detail: unknown;
        try {
          detail = JSON.parse(String(entry.Detail));
        } catch {
          return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
        }
        const event: PublishedEvent = {
          id: randomUUID(),
          time: new Date().toISOString(),
          eventBusName: String(entry.EventBusName ?? 'default'),
          source: String(entry.Source),
          detailType: String(entry.DetailType),
          detail,
          account: accountId,
          region,
          resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : [],
        };
        try {
          options.onEvent?.(event);
        } catch {
          // EventBridge's answer for an entry it could not take in; the publisher retries such entries.
          return { ErrorCode: 'InternalFailure', ErrorMessage: 'The event could not be stored.' };
        }
        events.push(event);
        return { EventId: event.id };
      });
      return { status: 200, body: { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results } };
    },
  };

  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const operation = target.split('.').pop() ?? '';
      const handler = handlers[target];
      let answer: { status: number; body: unknown };
      const input = parseInput(Buffer.concat(chunks));
      const hang = hangs.find(
        (rule) =>
          rule.operation === operation && rule.count > 0 && (rule.match === undefined || (input !== undefined && rule.match(input))),
      );
      if (hang !== undefined) {
        hang.count -= 1;
        hung += 1;
        return;
      }
      const failure = failures.get(operation);
      const lie = lies.find((rule) => rule.operation === operation && rule.count > 0);
      if (lie) {
        lie.count -= 1;
        answer = { status: 200, body: lie.body };
      } else if (failure && failure.count > 0) {
        failure.count -= 1;
        answer = awsError(400, failure.errorType, `${failure.errorType} (injected)`);
      } else if (!handler) {
        answer = awsError(400, 'UnknownOperationException', `The stand-in does not implement ${target || 'this operation'}`);
      } else if (input === undefined) {
        answer = awsError(400, 'SerializationException', 'The body is not JSON');
      } else {
        answer = handler(input);
      }
      response.writeHead(answer.status, { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': randomUUID() });
      response.end(JSON.stringify(answer.body));
    });
  });
  const url = await listenOnLoopback(server, options.port);

  return {
    url,
    events,
    secretReads,
    setSecret(name, value) {
      vault.set(name, value);
    },
    onSecretLabelUpdated: (listener) => vault.onSecretLabelUpdated(listener),
    failNext(operation, errorType, count = 1) {
      failures.set(operation, { errorType, count });
    },
    hangNext(operation, count = 1, match) {
      hangs.push({ operation, count, ...(match ? { match } : {}) });
    },
    answerNext(operation, body, count = 1) {
      lies.push({ operation, body, count });
    },
    get hung() {
      return hung;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function parseInput(body: Buffer): Record<string, unknown> | undefined {
  try {
    const input: unknown = JSON.parse(body.toString('utf8') || '{}');
    return typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
