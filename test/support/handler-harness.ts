import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clearCache } from '@middy/util';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { vi } from 'vitest';
import { createProvisionHandler } from '../../functions/provision/create-handler';
import { readSettings } from '../../shared/runtime/settings';
import { startFivetranSandbox, type FivetranSandbox, type FivetranSandboxOptions } from '../../local/fivetran-sandbox/server';
import { inFlightCountingFetch } from './in-flight-fetch';
import { API_KEY_SECRET_ID, CREDENTIALS_PREFIX, FAKE_API_KEY, FUNCTION_ARN, QUEUE_ARN } from './fixtures';

export const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/provisioning';

export interface HarnessOptions {
  env?: Record<string, string>;
  remainingMs?: number;
  /** How the sandbox answers, beyond its defaults. */
  sandbox?: Pick<FivetranSandboxOptions, 'forbiddenGroups' | 'duplicateSchemaStatus' | 'serverTimeoutMs' | 'accountRateLimit'>;
}

/**
 * The provisioning handler wired to a real Fivetran sandbox over HTTP, with
 * Secrets Manager, EventBridge and SQS mocked at the SDK, a clock that only
 * moves when the handler sleeps, and every log line captured.
 */
export async function startHarness(options: HarnessOptions = {}) {
  const sandbox: FivetranSandbox = await startFivetranSandbox({
    apiKey: FAKE_API_KEY.apiKey,
    apiSecret: FAKE_API_KEY.apiSecret,
    groups: ['sandbox_group', 'other_group'],
    seed: 7,
    ...options.sandbox,
  });
  const secretsManager = mockClient(SecretsManagerClient);
  const eventBridge = mockClient(EventBridgeClient);
  const sqs = mockClient(SQSClient);
  const secrets = new Map<string, string>([[API_KEY_SECRET_ID, JSON.stringify(FAKE_API_KEY)]]);
  secretsManager.on(GetSecretValueCommand).callsFake(async (input: { SecretId: string }) => {
    const value = secrets.get(input.SecretId);
    if (value === undefined) throw Object.assign(new Error("Secrets Manager can't find the specified secret."), { name: 'ResourceNotFoundException' });
    return { SecretString: value, Name: input.SecretId };
  });
  eventBridge.on(PutEventsCommand).callsFake(async (input: { Entries: PutEventsRequestEntry[] }) => ({
    FailedEntryCount: 0,
    Entries: input.Entries.map((_, i) => ({ EventId: `event-${i}` })),
  }));
  sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: QUEUE_URL });
  sqs.on(ChangeMessageVisibilityCommand).resolves({});

  // Powertools writes INFO to stdout and WARN/ERROR to stderr: capture both.
  const logLines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    logLines.push(...String(chunk).split('\n').filter((line) => line.trim() !== ''));
    return true;
  };
  const writeSpies = [vi.spyOn(process.stdout, 'write').mockImplementation(capture), vi.spyOn(process.stderr, 'write').mockImplementation(capture)];

  let clock = 1_700_000_000_000;
  const sleeps: number[] = [];
  const config = readSettings('provision', {
    FIVETRAN_API_URL: sandbox.url,
    FIVETRAN_API_SECRET_ID: API_KEY_SECRET_ID,
    CREDENTIALS_SECRET_PREFIX: CREDENTIALS_PREFIX,
    EVENT_BUS_NAME: 'provisioner-bus',
    MAX_RECEIVE_COUNT: '3',
    FIVETRAN_REQUEST_TIMEOUT_MS: '2000',
    ...options.env,
  });
  const fivetranCalls = inFlightCountingFetch();
  const handler = createProvisionHandler(config, {
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    random: () => 0.5,
    fetch: fivetranCalls.fetch,
  });
  let remainingMs = options.remainingMs ?? 60_000;

  let nextId = 0;
  return {
    sandbox,
    secretsManager,
    eventBridge,
    sqs,
    logLines,
    sleeps,
    config,
    get maxConcurrentFivetranCalls() {
      return fivetranCalls.maxInFlight;
    },
    advanceClock(ms: number) {
      clock += ms;
    },
    setRemainingMs(ms: number) {
      remainingMs = ms;
    },
    setSecret(name: string, value: unknown) {
      if (value === undefined) secrets.delete(name);
      else secrets.set(name, typeof value === 'string' ? value : JSON.stringify(value));
    },
    record(body: unknown, receiveCount = 1): SQSRecord {
      nextId += 1;
      return {
        messageId: `message-${nextId}`,
        receiptHandle: `receipt-${nextId}`,
        body: typeof body === 'string' ? body : JSON.stringify(body),
        attributes: {
          ApproximateReceiveCount: String(receiveCount),
          SentTimestamp: String(clock),
          SenderId: 'sender',
          ApproximateFirstReceiveTimestamp: String(clock),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: QUEUE_ARN,
        awsRegion: 'eu-west-1',
      };
    },
    async invoke(records: SQSRecord[]) {
      const startedAt = clock;
      const context = {
        functionName: 'provisioner',
        functionVersion: '$LATEST',
        invokedFunctionArn: FUNCTION_ARN,
        memoryLimitInMB: '512',
        awsRequestId: `invocation-${nextId}`,
        logGroupName: '/aws/lambda/provisioner',
        logStreamName: 'stream',
        callbackWaitsForEmptyEventLoop: false,
        getRemainingTimeInMillis: () => remainingMs - (clock - startedAt),
        done: () => undefined,
        fail: () => undefined,
        succeed: () => undefined,
      } satisfies Context;
      const event: SQSEvent = { Records: records };
      return handler(event, context);
    },
    /** Every event published, in order, as EventBridge received it. */
    events() {
      return eventBridge.commandCalls(PutEventsCommand).flatMap((call) =>
        (call.args[0].input.Entries ?? []).map((entry) => ({
          source: entry.Source,
          busName: entry.EventBusName,
          detailType: entry.DetailType!,
          detail: JSON.parse(entry.Detail!) as Record<string, any>,
        })),
      );
    },
    fivetranCalls(method?: string) {
      return sandbox.calls.filter((call) => method === undefined || call.method === method);
    },
    async close() {
      for (const spy of writeSpies) spy.mockRestore();
      clearCache();
      secretsManager.restore();
      eventBridge.restore();
      sqs.restore();
      await sandbox.close();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;
