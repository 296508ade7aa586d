import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCreateBody } from '../../functions/provision/credentials';
import { type AwsStandIn, startAwsStandIn } from '../../local/aws/aws-stand-in';
import { startFivetranSandbox } from '../../local/fivetran-sandbox/server';
import type { FivetranSandbox } from '../../local/fivetran-sandbox/types';
import { API_KEY_SECRET_ID, FAKE_API_KEY, patRequest } from '../../local/world/fixtures';
import { type LocalLedger, startLocalLedger } from '../../local/world/ledger';
import { createFivetranClient } from '../../shared/fivetran/client';
import type { ConnectionEntry, RequestEntry } from '../../shared/ledger/ledger';
import { findFragments, needlesFor } from '../support/secret-fragments';
import { runDirWithStack, runWithEnv, withoutRegion } from './support/cli-env';

/**
 * `status` as an operator runs it, through the real SDK: the ledger on
 * dynalite, the API key in the AWS stand-in, the connection at the sandbox.
 */
let ledger: LocalLedger;
let aws: AwsStandIn;
let sandbox: FivetranSandbox;
/** A fake token, random so that no other output can contain it by chance. */
const token = `fake-pat-status-${randomBytes(12).toString('hex')}`;
let connectionId: string;

const SECRET_NAME = 'fivetran/gitlab/sandbox_group/team-pat';
let env: Record<string, string>;

beforeAll(async () => {
  [ledger, aws, sandbox] = await Promise.all([
    startLocalLedger(),
    startAwsStandIn({ secrets: { [API_KEY_SECRET_ID]: JSON.stringify(FAKE_API_KEY) } }),
    startFivetranSandbox({ apiKey: FAKE_API_KEY.apiKey, apiSecret: FAKE_API_KEY.apiSecret }),
  ]);
  // A connection made with a token, as the worker makes it; Fivetran answers its config masked.
  const fivetran = createFivetranClient({ baseUrl: sandbox.url, apiKey: FAKE_API_KEY });
  const { connection } = patRequest({ schema: 'gitlab_status' });
  const made = await fivetran.createConnection(buildCreateBody(connection, { personal_access_token: token }, SECRET_NAME), {
    timeoutMs: 10_000,
  });
  connectionId = made.id;
  await ledger.ledger.recordConnection(connectionEntry(connectionId));
  await ledger.ledger.recordRequest(createEntry(connectionId));
  env = {
    LEDGER_TABLE_NAME: ledger.tableName,
    AWS_ENDPOINT_URL_DYNAMODB: ledger.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url,
    FIVETRAN_API_SECRET_ID: API_KEY_SECRET_ID,
    FIVETRAN_API_URL: sandbox.url,
  };
});
afterAll(async () => {
  await Promise.all([ledger?.close(), aws?.close(), sandbox?.close()]);
});

const connectionEntry = (id: string): ConnectionEntry => ({
  connectionId: id,
  groupId: 'sandbox_group',
  schema: 'gitlab_status',
  service: 'gitlab',
  authKind: 'personal_access_token',
  secretName: SECRET_NAME,
  appliedVersionId: 'version-applied-1',
  state: 'active',
  createdByRequestId: 'req-status',
  updatedAt: '2026-11-30T12:00:00.000Z',
});
const createEntry = (id: string): RequestEntry => ({
  requestId: 'req-status',
  action: 'create',
  status: 'succeeded',
  outcome: 'created',
  connectionId: id,
  sqsMessageId: 'message-1',
  recordedAt: '2026-11-30T12:00:01.000Z',
});

describe('status from the ledger', () => {
  it('shows a request, with the connection it made', async () => {
    // given a create the ledger recorded, with its connection (beforeAll); when the operator asks for the request
    const result = await runWithEnv(['status', 'req-status'], env);

    // then the request's entry and its connection's are printed
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^request req-status\n {2}action {7}create\n {2}status {7}succeeded\n {2}outcome {6}created\n/);
    expect(result.out).toContain(`  connection   ${connectionId}\n`);
    expect(result.out).toContain(`connection ${connectionId}\n  group        sandbox_group\n  schema       gitlab_status\n`);
    expect(result.out).toContain(`  secret       ${SECRET_NAME}\n  applied      version version-applied-1\n  state        active`);
  });

  it('shows a connection as JSON, with no request when the id is a connection id', async () => {
    const result = await runWithEnv(['status', connectionId, '--json'], env);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toEqual({ id: connectionId, request: null, connection: connectionEntry(connectionId) });
  });

  it('says in one line that the ledger knows no such id, with exit code 4', async () => {
    for (const flags of [[], ['--json'], ['--fivetran']]) {
      const result = await runWithEnv(['status', 'no-such-id', ...flags], env);

      expect(result.code).toBe(4);
      expect(result.out).toBe('');
      expect(result.err).toBe(`status: the ledger (table ${ledger.tableName}) knows no request or connection "no-such-id"`);
    }
    // and Fivetran was not asked about it
    expect(sandbox.calls.filter((call) => call.path.includes('no-such-id'))).toEqual([]);
  });

  it('finds the ledger of the running local run through its stack file', async () => {
    // given no LEDGER_TABLE_NAME, and a run directory whose running start names its ledger
    const runDir = runDirWithStack({ ledgerTableName: ledger.tableName, dynamodbEndpoint: ledger.endpoint });

    const result = await runWithEnv(['status', connectionId, '--run-dir', runDir, '--json'], {});

    expect(result.code).toBe(0);
    expect(JSON.parse(result.out).connection).toEqual(connectionEntry(connectionId));
  });

  it('asks for a ledger when none is named and no local run runs (exit 2), and reports one it cannot read (exit 3)', async () => {
    const none = await runWithEnv(['status', connectionId, '--run-dir', runDirWithStack({ pid: 2 ** 22 + 1 })], {});
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^No ledger to read: set LEDGER_TABLE_NAME/);

    const unreachable = await runWithEnv(['status', connectionId, '--timeout', '5'], {
      ...env,
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
    });
    expect(unreachable.code).toBe(3);
    expect(unreachable.err).toMatch(new RegExp(`^status: cannot read the ledger table ${ledger.tableName}: `));
    expect(unreachable.err.split('\n')).toHaveLength(1);
  });

  it('stops before any call when the SDK finds no AWS region, saying how to set one (exit 2), and a local run needs none', async () => {
    // given a deployment's ledger named, and no region in the environment, a profile or the shared config files
    const noRegion = withoutRegion();

    // when the operator asks for a connection's status, with Fivetran's view too
    const result = await runWithEnv(['status', connectionId, '--fivetran'], { ...env, ...noRegion });

    // then the command stops with one sentence naming AWS_REGION, not the SDK's "Region is missing", and asks Fivetran nothing
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err.split('\n')[0]).toBe(
      'status found no AWS region to call: set AWS_REGION (for example AWS_REGION=eu-west-1) or a region for your profile in ~/.aws/config',
    );
    expect(sandbox.calls.filter((call) => call.path.includes(connectionId))).toEqual([]);
    // and the running local run's ledger is read with the run's own region all the same
    const runDir = runDirWithStack({ ledgerTableName: ledger.tableName, dynamodbEndpoint: ledger.endpoint });
    const local = await runWithEnv(['status', connectionId, '--run-dir', runDir, '--json'], noRegion);
    expect(local.code).toBe(0);
  });
});

describe('status --fivetran', () => {
  it("prints Fivetran's setup state, paused flag and setup tests, and no secret or config value", async () => {
    // when the operator asks Fivetran too, as text and as JSON
    const text = await runWithEnv(['status', 'req-status', '--fivetran'], env);
    const json = await runWithEnv(['status', connectionId, '--fivetran', '--json'], env);

    // then both show what Fivetran says of the connection now
    expect(text.code).toBe(0);
    expect(text.out).toContain(`fivetran ${connectionId}\n  setup state  connected\n  sync state   scheduled\n  paused       false\n`);
    expect(text.out).toMatch(/ {2}setup test {3}PASSED {2}\S/);
    expect(json.code).toBe(0);
    const fivetran = JSON.parse(json.out).fivetran;
    expect(fivetran).toMatchObject({ connectionId, found: true, setupState: 'connected', paused: false });
    expect(fivetran.setupTests.length).toBeGreaterThan(0);
    expect(Object.keys(fivetran).sort()).toEqual(['connectionId', 'found', 'paused', 'setupState', 'setupTests', 'syncState']);
    // and no piece of the token or the API key, nor any config value, in either
    const outputs = [text, json].flatMap((result, i) => [
      { where: `run ${i} stdout`, text: result.out },
      { where: `run ${i} stderr`, text: result.err },
    ]);
    const needles = [...needlesFor('token', token), ...needlesFor('api secret', FAKE_API_KEY.apiSecret)];
    expect(findFragments(needles, outputs)).toEqual([]);
    expect(`${text.out}${json.out}`).not.toMatch(/gitlab\.example\.com|\*{6}/);
  });

  it('says when Fivetran has no such connection, with exit code 4', async () => {
    // given a connection the ledger lists but Fivetran does not have
    await ledger.ledger.recordConnection(connectionEntry('vanished_connection'));

    const result = await runWithEnv(['status', 'vanished_connection', '--fivetran'], env);

    expect(result.code).toBe(4);
    expect(result.out).toContain('fivetran vanished_connection: Fivetran has no such connection (404)');
  });

  it('reports a Fivetran that does not answer in one line, with exit code 3', async () => {
    const result = await runWithEnv(['status', connectionId, '--fivetran'], { ...env, FIVETRAN_API_URL: 'http://127.0.0.1:9' });

    expect(result.code).toBe(3);
    expect(result.err).toMatch(/^status: Fivetran \(http:\/\/127\.0\.0\.1:9\) could not be asked: GET \/v1\/connections\/\S+: /);
    expect(result.out).toBe('');
  });
});
