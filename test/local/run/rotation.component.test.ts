import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExamples } from '../../../local/run/examples';
import { type LocalStack, startLocalStack } from '../../../local/run/local-stack';
import { metExpectation, runExamples } from '../../../local/run/run-examples';
import type { RotationReport } from '../../../local/run/worker-messages';
import type { ConnectionCredentialsAppliedDetail } from '../../../shared/contracts/lifecycle-events';
import { waitFor } from '../../support/cli-process';

/**
 * A rotation in the local run: a new AWSCURRENT version of a credentials
 * secret, put through the real SDK into the stand-in, reaches every
 * connection that uses it through the rotation fan-out (run in the worker
 * process, fed the stand-in's `Secret Label Updated` event), the queue and
 * the worker.
 */
const EXAMPLES_DIR = fileURLToPath(new URL('../../../examples', import.meta.url));
const SECRETS_FILE = fileURLToPath(new URL('../../../local/secrets.example.json', import.meta.url));
const TEAM_PAT = 'fivetran/gitlab/sandbox_group/team-pat';
const rotations: Array<{ report: RotationReport; name: string }> = [];
let stack: LocalStack;
let secretsManager: SecretsManagerClient;

beforeAll(async () => {
  stack = await startLocalStack({
    runDir: mkdtempSync(join(tmpdir(), 'rotation-')),
    secretsFile: SECRETS_FILE,
    waitTimeSeconds: 1,
    onRotation: (report, secret) => rotations.push({ report, name: secret.name }),
  });
  // The stack set the SDK's endpoint variables (and fake credentials) for its stand-in.
  secretsManager = new SecretsManagerClient({});
  const runs = await runExamples(stack, loadExamples(EXAMPLES_DIR), { timeoutMs: 20_000 });
  expect(runs.every(metExpectation)).toBe(true);
});

afterAll(async () => {
  secretsManager?.destroy();
  await stack?.stop();
});

const applied = (versionId: string) =>
  stack.events
    .filter((event) => event.detailType === 'Connection Credentials Applied')
    .map((event) => event.detail as ConnectionCredentialsAppliedDetail)
    .filter((detail) => detail.versionId === versionId);

describe('a rotation in the local run', () => {
  it('re-applies the new version to every live connection using the secret, once each, as the ledger then records', async () => {
    // given the connections the examples made with the personal-access-token secret, as the ledger lists them
    const before = await stack.ledger!.ledger.connectionsUsingSecret(TEAM_PAT);
    const using = before.filter((entry) => entry.state === 'active' || entry.state === 'paused');
    expect(using.length).toBeGreaterThanOrEqual(2);
    const patchesBefore = stack.sandbox!.calls.filter((call) => call.method === 'PATCH').length;

    // when a new version is put, as an operator's rotate or Secrets Manager's rotation does
    const put = await secretsManager.send(
      new PutSecretValueCommand({ SecretId: TEAM_PAT, SecretString: JSON.stringify({ personal_access_token: 'fake-glpat-rotated-0009' }) }),
    );
    const versionId = put.VersionId!;
    await waitFor(() => applied(versionId).length >= using.length, 'Connection Credentials Applied for every connection using the secret');

    // then the fan-out enqueued one request per connection using it
    expect(rotations).toEqual([
      { name: TEAM_PAT, report: expect.objectContaining({ status: 'enqueued', versionId, connections: before.length }) },
    ]);
    // and each such connection got one PATCH with the new token and its setup tests, and no other connection any
    const patches = stack.sandbox!.calls.filter((call) => call.method === 'PATCH').slice(patchesBefore);
    expect(patches.map((call) => call.path).sort()).toEqual(using.map((entry) => `/v1/connections/${entry.connectionId}`).sort());
    for (const call of patches) {
      expect(call.body).toMatchObject({ run_setup_tests: true, config: { personal_access_token: 'fake-glpat-rotated-0009' } });
    }
    // and the events agree with the ledger: each names the version it replaced, and the ledger now holds the new one
    const after = await stack.ledger!.ledger.connectionsUsingSecret(TEAM_PAT);
    const events = applied(versionId);
    expect(events).toHaveLength(using.length);
    for (const entry of using) {
      const event = events.find((detail) => detail.connectionId === entry.connectionId);
      expect(event).toMatchObject({ trigger: 'rotation', secretName: TEAM_PAT, previousVersionId: entry.appliedVersionId ?? null });
      expect(after.find((candidate) => candidate.connectionId === entry.connectionId)?.appliedVersionId).toBe(versionId);
    }
    // and no event or ledger entry holds the token
    expect(JSON.stringify([stack.events, after])).not.toContain('fake-glpat-rotated-0009');
  });

  it('leaves the ledger on the version it had when the new token fails the setup tests, and says so', async () => {
    // given the connections using the secret, on the version applied above
    const before = await stack.ledger!.ledger.connectionsUsingSecret(TEAM_PAT);
    const live = before.filter((entry) => entry.state === 'active' || entry.state === 'paused');
    const failedBefore = stack.events.filter((event) => event.detailType === 'Connection Lifecycle Request Failed').length;
    // when the secret is rotated to a token Fivetran's setup tests refuse
    const put = await secretsManager.send(
      new PutSecretValueCommand({ SecretId: TEAM_PAT, SecretString: JSON.stringify({ personal_access_token: 'fake-glpat-revoked-0010' }) }),
    );
    const failures = () =>
      stack.events
        .filter((event) => event.detailType === 'Connection Lifecycle Request Failed')
        .slice(failedBefore)
        .map((event) => event.detail as { errorCode: string; requestId: string });
    await waitFor(() => failures().length >= live.length, 'a failure event for every connection using the secret');
    // then each connection's request failed with SETUP_TESTS_FAILED, and none was recorded as on the new version
    expect(failures().map((detail) => detail.errorCode)).toEqual(live.map(() => 'SETUP_TESTS_FAILED'));
    expect(failures().every((detail) => detail.requestId.endsWith(`:${put.VersionId}`))).toBe(true);
    const after = await stack.ledger!.ledger.connectionsUsingSecret(TEAM_PAT);
    expect(after.map((entry) => [entry.connectionId, entry.appliedVersionId])).toEqual(
      before.map((entry) => [entry.connectionId, entry.appliedVersionId]),
    );
  });
});
