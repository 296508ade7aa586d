import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackFilePath } from '../../../cli/local-run-file';
import { type Example, loadExamples } from '../../../local/run/examples';
import { type LocalStack, startLocalStack } from '../../../local/run/local-stack';
import { metExpectation, runExamples } from '../../../local/run/run-examples';
import { isRunning } from '../../support/cli-process';

/**
 * The local stack as `npm start` runs it: fauxqs, the Fivetran sandbox, the
 * AWS stand-in fed from the fake secrets file, and the Lambda's handler module
 * in a worker process of its own, fed by the poller, with the examples from examples/. Short visibility timeout and
 * maxReceiveCount 2 so that a persistent fault reaches the dead-letter queue
 * within seconds.
 */
const EXAMPLES_DIR = fileURLToPath(new URL('../../../examples', import.meta.url));
const SECRETS_FILE = fileURLToPath(new URL('../../../local/secrets.example.json', import.meta.url));
const runDir = mkdtempSync(join(tmpdir(), 'local-stack-'));
const endpointBefore = process.env.AWS_ENDPOINT_URL_SQS;
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    runDir,
    secretsFile: SECRETS_FILE,
    // Short, so the dead-letter case is quick; the function timeout follows it (3 s, 1 s kept back).
    visibilityTimeoutSeconds: 3,
    maxReceiveCount: 2,
    waitTimeSeconds: 1,
    workerEnv: { MAX_ATTEMPTS_PER_DELIVERY: '2' },
  });
});

afterAll(async () => {
  await stack?.stop();
});

/** A personal-access-token request as an example, for the cases examples/ does not hold. */
const example = (
  overrides: Partial<Example> & { requestId: string; schema: string; credentialsSecretId?: string; groupId?: string },
): Example => {
  const { requestId, schema, groupId = 'sandbox_group', credentialsSecretId = `fivetran/gitlab/${groupId}/team-pat`, ...rest } = overrides;
  return {
    title: requestId,
    requestId,
    action: 'create',
    expect: 'created',
    request: {
      requestId,
      connection: { group_id: groupId, service: 'gitlab', config: { schema, auth: 'personal_access_token' } },
      credentialsSecretId,
    },
    ...rest,
  };
};

describe('the local stack that npm start runs', () => {
  it('takes every example to its expected outcome, one connection per schema, then acts on the connections it made', async () => {
    // given the examples as npm start sends them
    const examples = loadExamples(EXAMPLES_DIR);
    // when they run through the queue
    const runs = await runExamples(stack, examples, { timeoutMs: 20_000 });
    // then each ends as examples.json says: four created, the invalid one refused, the flaky one found after its lost create,
    // and the lifecycle requests acted on the connections their creates made
    expect(runs.map((run) => [run.example.requestId, run.settled?.outcome])).toEqual([
      ['example-personal-access-token', 'created'],
      ['example-mtls-client-certificate', 'created'],
      ['example-oauth-client-access', 'created'],
      ['example-connect-card', 'created'],
      ['example-invalid-request', 'INVALID_REQUEST'],
      ['example-transient-fault', 'already_exists'],
      ['example-update', 'updated'],
      ['example-pause', 'paused'],
      ['example-decommission-wrong-schema', 'CONFIRMATION_MISMATCH'],
      ['example-decommission', 'deleted'],
    ]);
    expect(runs.every(metExpectation)).toBe(true);
    expect(runs.find((run) => run.example.requestId === 'example-transient-fault')?.settled?.attempts).toBe(2);
    expect(runs.find((run) => run.example.requestId === 'example-connect-card')?.settled?.connectCardUri).toMatch(/^https:\/\//);
    const connectionOf = (requestId: string) => runs.find((run) => run.example.requestId === requestId)?.settled?.connectionId;
    expect(connectionOf('example-update')).toBe(connectionOf('example-personal-access-token'));
    expect(connectionOf('example-pause')).toBe(connectionOf('example-mtls-client-certificate'));
    expect(connectionOf('example-decommission')).toBe(connectionOf('example-connect-card'));
    // and the sandbox holds one connection per valid example, the flaky one included once, less the decommissioned one
    const connections = stack.sandbox!.connections();
    expect(connections.map((connection) => connection.schema).sort()).toEqual([
      'gitlab_team_flaky',
      'gitlab_team_mtls',
      'gitlab_team_oauth',
      'gitlab_team_pat',
    ]);
    // and the update and the pause reached Fivetran: only the fields they named, on the connections they named
    const patches = stack.sandbox!.calls.filter((call) => call.method === 'PATCH');
    expect(patches.map((call) => [call.path, call.body])).toEqual(
      expect.arrayContaining([
        [`/v1/connections/${connectionOf('example-update')}`, { daily_sync_time: '06:00' }],
        [`/v1/connections/${connectionOf('example-pause')}`, { paused: true }],
      ]),
    );
    expect(patches).toHaveLength(2);
    // and the decommission that named another schema deleted nothing; the one that named its own deleted once
    expect(stack.sandbox!.calls.filter((call) => call.method === 'DELETE').map((call) => call.path)).toEqual([
      `/v1/connections/${connectionOf('example-decommission')}`,
    ]);
    // and the credentials from the secrets file reached Fivetran in the create bodies
    const mtls = connections.find((connection) => connection.schema === 'gitlab_team_mtls')!;
    expect(mtls.createRequest).toMatchObject({ config: { client_certificate: expect.stringContaining('FAKE-LOCAL-CERTIFICATE') } });
    // and every event is in the events file, in order
    const fileEvents = readFileSync(stack.eventsFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(fileEvents.map((event) => event.detail.requestId)).toEqual(
      stack.events.map((event) => (event.detail as { requestId: string }).requestId),
    );
    expect(fileEvents).toHaveLength(10);
    expect(stack.sandbox!.contractViolations).toEqual([]);
  });

  it('answers a re-sent request with already_exists and no second connection', async () => {
    // given the personal-access-token example was created above
    const [pat] = loadExamples(EXAMPLES_DIR);
    const before = stack.sandbox!.connections().length;
    // when it is sent again
    const [run] = await runExamples(stack, [pat!], { timeoutMs: 10_000 });
    // then it is found, not created twice
    expect(run!.settled).toMatchObject({ outcome: 'already_exists', attempts: 1 });
    expect(stack.sandbox!.connections()).toHaveLength(before);
  });

  it('publishes the failure code of each request fault and acknowledges the record', async () => {
    // given a secret outside the prefix, another group's secret, a secret that does not exist, and a group Fivetran does not have
    const faults = [
      example({ requestId: 'not-allowed', schema: 'gitlab_not_allowed', credentialsSecretId: 'other-team/secret' }),
      example({
        requestId: 'other-group',
        schema: 'gitlab_other_group',
        groupId: 'no_such_group',
        credentialsSecretId: 'fivetran/gitlab/sandbox_group/team-pat',
      }),
      example({ requestId: 'not-found', schema: 'gitlab_not_found', credentialsSecretId: 'fivetran/gitlab/sandbox_group/nobody' }),
      example({
        requestId: 'no-group',
        schema: 'gitlab_no_group',
        request: {
          requestId: 'no-group',
          connection: {
            group_id: 'no_such_group',
            service: 'gitlab',
            connect_card_config: { redirect_uri: 'https://portal.example.com/done' },
            config: { schema: 'gitlab_no_group' },
          },
        },
      }),
    ];
    // when they are sent
    const runs = await runExamples(stack, faults, { timeoutMs: 10_000 });
    // then each gets its own code, and none is left to the dead-letter queue
    expect(runs.map((run) => run.settled?.outcome)).toEqual([
      'CREDENTIALS_NOT_ALLOWED',
      'CREDENTIALS_NOT_ALLOWED',
      'CREDENTIALS_NOT_FOUND',
      'GROUP_NOT_FOUND',
    ]);
    expect(stack.deadLetters!()).toEqual([]);
  });

  it('moves a request that keeps meeting a transient fault to the dead-letter queue after maxReceiveCount deliveries', async () => {
    // given Fivetran answers every create for this example with 503
    const persistent = example({
      requestId: 'always-503',
      schema: 'gitlab_always_503',
      expect: 'RETRIES_EXHAUSTED',
      fault: { kind: 'status', status: 503, times: 'always' },
    });
    // when it is sent
    const [run] = await runExamples(stack, [persistent], { timeoutMs: 15_000 });
    // then the last delivery published RETRIES_EXHAUSTED and SQS moved the record to the dead-letter queue
    expect(run!.settled).toMatchObject({ outcome: 'RETRIES_EXHAUSTED', deadLettered: true });
    expect(run!.settled!.message).toMatch(/Gave up after 2 deliveries; the last fault was FIVETRAN_UNAVAILABLE/);
    const dead = await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.dlqUrl!, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    expect(dead.Messages?.map((message) => JSON.parse(message.Body!).requestId)).toEqual(['always-503']);
    // and no connection was made for it, and the fault is gone for whatever comes next
    expect(stack.sandbox!.connections().some((connection) => connection.schema === 'gitlab_always_503')).toBe(false);
  });

  it('stops with the worker process gone, every server closed, the environment restored and no stack file left', async () => {
    // given the addresses the stack listened on, and its running worker process
    const addresses = [stack.sandbox!.url, stack.aws!.url, stack.endpoints.sqs];
    expect(existsSync(stackFilePath(runDir))).toBe(true);
    expect(isRunning(stack.workerPid)).toBe(true);
    // when it stops
    await stack.stop();
    // then the worker has exited, and nothing answers there any more
    expect(isRunning(stack.workerPid)).toBe(false);
    for (const address of addresses) await expect(fetch(address)).rejects.toThrow();
    expect(process.env.AWS_ENDPOINT_URL_SQS).toBe(endpointBefore);
    expect(existsSync(stackFilePath(runDir))).toBe(false);
  });
});

describe('a local stack whose worker has a bad setting', () => {
  it('fails to start, naming the variable the handler module refused at its cold start, and leaves nothing running', async () => {
    // given a credentials prefix without its trailing slash
    const badRunDir = mkdtempSync(join(tmpdir(), 'local-stack-bad-'));
    // when the stack starts
    const starting = startLocalStack({
      runDir: badRunDir,
      secretsFile: SECRETS_FILE,
      workerEnv: { CREDENTIALS_SECRET_PREFIX: 'no-slash' },
    });
    // then it rejects with the worker's message, which names the variable
    await expect(starting).rejects.toThrow(
      /^Invalid configuration: CREDENTIALS_SECRET_PREFIX must be a Secrets Manager name prefix ending in "\/"/,
    );
    // and that message came from the worker process, which wrote the error to its log as Lambda would
    expect(readFileSync(join(badRunDir, 'handler.log'), 'utf8')).toContain('ConfigurationError');
    // and the stack undid what it had started
    expect(process.env.AWS_ENDPOINT_URL_SQS).toBe(endpointBefore);
    expect(existsSync(stackFilePath(badRunDir))).toBe(false);
  });
});
