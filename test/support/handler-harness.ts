import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createHandler } from '../../functions/provision/create-handler';
import type { FivetranSandboxOptions } from '../../local/fivetran-sandbox/types';
import { API_KEY_SECRET_ID, CREDENTIALS_PREFIX, FAKE_API_KEY, FAKE_PAT, FUNCTION_ARN, QUEUE_ARN } from '../../local/world/fixtures';
import { inFlightCountingFetch } from '../../local/world/in-flight-fetch';
import { lambdaContext, sqsRecord } from '../../local/world/lambda-context';
import { provisionSettings } from '../../local/world/settings';
import { startWorld } from '../../local/world/world';
import { mockAws } from './mock-aws';

export const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/provisioning';

export interface HarnessOptions {
  env?: Record<string, string>;
  remainingMs?: number;
  /** How the sandbox answers, beyond its defaults. */
  sandbox?: Pick<FivetranSandboxOptions, 'forbiddenGroups' | 'duplicateSchemaStatus' | 'serverTimeoutMs' | 'accountRateLimit'>;
}

/**
 * The provisioning handler wired to the world's Fivetran sandbox over HTTP,
 * with Secrets Manager, EventBridge and SQS mocked at the SDK, a clock that
 * only moves when the handler sleeps, and every log line captured.
 */
export async function startHarness(options: HarnessOptions = {}) {
  const world = await startWorld({ fivetran: { groups: ['sandbox_group', 'other_group'], seed: 7, ...options.sandbox }, logs: 'capture' });
  const sandbox = world.sandbox!;
  const aws = mockAws({ [API_KEY_SECRET_ID]: FAKE_API_KEY }, QUEUE_URL);
  const { secretsManager, eventBridge, sqs } = aws;
  const logLines = world.logLines;

  let clock = 1_700_000_000_000;
  const sleeps: number[] = [];
  const config = provisionSettings(sandbox.url, { FIVETRAN_REQUEST_TIMEOUT_MS: '2000', ...options.env });
  const fivetranCalls = inFlightCountingFetch();
  const handler = createHandler(config, {
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
    setSecret: aws.setSecret,
    record(body: unknown, receiveCount = 1): SQSRecord {
      nextId += 1;
      return sqsRecord(body, { messageId: `message-${nextId}`, receiveCount, sentAt: clock, queueArn: QUEUE_ARN });
    },
    async invoke(records: SQSRecord[]) {
      const startedAt = clock;
      const context = lambdaContext(FUNCTION_ARN, () => remainingMs - (clock - startedAt), `invocation-${nextId}`);
      const event: SQSEvent = { Records: records };
      return handler(event, context);
    },
    events: aws.events,
    fivetranCalls(method?: string) {
      return sandbox.calls.filter((call) => method === undefined || call.method === method);
    },
    async close() {
      aws.restore();
      await world.stop();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

/**
 * A harness in which each of `groups` has the PAT credentials that `patRequest({ groupId })` names
 * (credentials are bound to their group).
 */
export async function startPatHarness(options: HarnessOptions = {}, groups: readonly string[] = ['sandbox_group']): Promise<Harness> {
  const h = await startHarness(options);
  for (const group of groups) h.setSecret(`${CREDENTIALS_PREFIX}${group}/team-a`, FAKE_PAT);
  return h;
}

/** The Fivetran calls a harness saw, one line each: method, path and status. */
export const fivetranCallLines = (h: Harness) => h.fivetranCalls().map((call) => `${call.method} ${call.path} ${call.status ?? 'dropped'}`);

/** The message ids a batch response hands back to the queue. */
export const failedIds = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((failure) => failure.itemIdentifier);
