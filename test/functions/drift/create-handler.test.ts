import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandler } from '../../../functions/drift/create-handler';
import { lambdaContext } from '../../../local/world/lambda-context';
import { captureLogs, type LogCapture } from '../../../local/world/logs';
import type { ReapplyCredentialsRequest } from '../../../shared/contracts/lifecycle-request';
import { ReapplySendError } from '../../../shared/runtime/errors';
import { readSettings } from '../../../shared/runtime/settings';
import { connectionEntry, memoryLedger } from '../../support/memory-ledger';

const PREFIX = 'fivetran/gitlab/';
const PAT = `${PREFIX}sandbox_group/team-pat`;
const OAUTH = `${PREFIX}sandbox_group/team-oauth`;
const MISSING = `${PREFIX}sandbox_group/deleted-secret`;
const V1 = '11111111-1111-4111-8111-111111111111';
const V2 = '22222222-2222-4222-8222-222222222222';

const settings = readSettings('drift', {
  CREDENTIALS_SECRET_PREFIX: PREFIX,
  PROVISIONING_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/provisioning',
  SAFETY_MARGIN_MS: '1000',
});
const context = (remainingMs = 30_000) => lambdaContext('arn:aws:lambda:eu-west-1:123456789012:function:drift', () => remainingMs);

const secretsManager = mockClient(SecretsManagerClient);
let logs: LogCapture;
beforeEach(() => {
  logs = captureLogs();
  secretsManager.reset();
  const current: Record<string, string> = { [PAT]: V2, [OAUTH]: V1 };
  secretsManager.on(DescribeSecretCommand).callsFake(async (input: { SecretId: string }) => {
    const versionId = current[input.SecretId];
    if (versionId === undefined) {
      throw Object.assign(new Error("Secrets Manager can't find the specified secret."), { name: 'ResourceNotFoundException' });
    }
    return {
      Name: input.SecretId,
      VersionIdsToStages: { [V1]: versionId === V1 ? ['AWSCURRENT'] : ['AWSPREVIOUS'], [V2]: versionId === V2 ? ['AWSCURRENT'] : [] },
    };
  });
});
afterEach(() => logs.restore());

function world() {
  const store = memoryLedger([
    connectionEntry({ connectionId: 'pat_behind', secretName: PAT, appliedVersionId: V1 }),
    connectionEntry({ connectionId: 'pat_paused_behind', secretName: PAT, appliedVersionId: V1, state: 'paused' }),
    connectionEntry({ connectionId: 'pat_current', secretName: PAT, appliedVersionId: V2 }),
    connectionEntry({ connectionId: 'oauth_current', secretName: OAUTH, appliedVersionId: V1 }),
    connectionEntry({ connectionId: 'orphan', secretName: MISSING, appliedVersionId: V1 }),
  ]);
  const sent: ReapplyCredentialsRequest[] = [];
  let sendFault: Error | undefined;
  const handler = createHandler(settings, {
    ledger: store.ledger,
    random: () => 0,
    send: async (requests) => {
      if (sendFault !== undefined && requests.length > 0) throw sendFault;
      sent.push(...requests);
    },
  });
  return { store, sent, handler, failSending: (error: Error) => (sendFault = error) };
}

describe('drift check', () => {
  it('sends reapply_credentials (trigger drift) only for the connections behind their secret’s AWSCURRENT version', async () => {
    const { handler, sent } = world();
    const result = await handler({}, context());
    expect(sent.map((r) => r.requestId).sort()).toEqual([`rotate:pat_behind:${V2}`, `rotate:pat_paused_behind:${V2}`]);
    expect(sent.every((r) => r.trigger === 'drift' && r.secretVersionId === V2)).toBe(true);
    expect(result).toMatchObject({ secrets: 3, notChecked: 0 });
  });

  it('describes each secret once and never reads a secret value', async () => {
    const { handler } = world();
    await handler({}, context());
    const described = secretsManager.commandCalls(DescribeSecretCommand).map((call) => call.args[0].input.SecretId);
    expect(described.sort()).toEqual([MISSING, OAUTH, PAT]);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('counts and logs by name a secret that cannot be described, and checks the others', async () => {
    const { handler, sent } = world();
    const result = await handler({}, context());
    expect(result.unreadable).toEqual([MISSING]);
    expect(sent).toHaveLength(2);
    expect(logs.lines.some((line) => line.includes(MISSING) && line.includes('ResourceNotFoundException'))).toBe(true);
    expect(logs.lines.some((line) => line.includes('"DriftSecretsUnreadable":1'))).toBe(true);
  });

  it('counts a secret outside the credentials prefix as unreadable without describing it', async () => {
    const store = memoryLedger([connectionEntry({ connectionId: 'foreign', secretName: 'elsewhere/secret', appliedVersionId: V1 })]);
    const handler = createHandler(settings, { ledger: store.ledger, send: async () => undefined });
    const result = await handler({}, context());
    expect(result.unreadable).toEqual(['elsewhere/secret']);
    expect(secretsManager.commandCalls(DescribeSecretCommand)).toHaveLength(0);
  });

  it('checks no secret when the invocation has no time left, and says how many it left', async () => {
    const { handler, sent } = world();
    const result = await handler({}, context(500));
    expect(result.notChecked).toBe(3);
    expect(secretsManager.commandCalls(DescribeSecretCommand)).toHaveLength(0);
    expect(sent).toEqual([]);
  });

  it('fails the invocation after checking every secret when requests could not be sent', async () => {
    const { handler, failSending } = world();
    failSending(new ReapplySendError('SQS_UNAVAILABLE', 'not sent'));
    await expect(handler({}, context())).rejects.toMatchObject({ code: 'SQS_UNAVAILABLE' });
    expect(secretsManager.commandCalls(DescribeSecretCommand)).toHaveLength(3);
  });
});
