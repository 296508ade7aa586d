import { DescribeSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSRecord } from 'aws-lambda';
import { createHandler } from '../../../functions/provision/create-handler';
import { FAKE_API_KEY, FAKE_PAT, FUNCTION_ARN, GROUP_CREDENTIALS, patRequest, QUEUE_ARN } from '../../../local/world/fixtures';
import { lambdaContext, sqsRecord } from '../../../local/world/lambda-context';
import { type LocalLedger, startLocalLedger } from '../../../local/world/ledger';
import { provisionSettings } from '../../../local/world/settings';
import { startWorld } from '../../../local/world/world';
import type { Ledger } from '../../../shared/ledger/ledger';
import { findFragments, needlesFor } from '../../support/secret-fragments';

export const SECRET_ID = `${GROUP_CREDENTIALS}team-a`;

/**
 * The worker with its ledger, through the real AWS SDK: Secrets Manager and
 * EventBridge are the loopback stand-in, Fivetran the sandbox, the ledger
 * dynalite. Records are handed to the handler as Lambda's event source
 * mapping would, so a test can deliver the same message twice. `wrapLedger`
 * stands between the worker and its ledger (to slow a write); `ledger` is the
 * unwrapped one.
 */
export async function startLifecycleWorld(options: { ledger?: boolean; wrapLedger?: (ledger: Ledger) => Ledger } = {}) {
  const world = await startWorld({
    aws: true,
    secrets: { [SECRET_ID]: FAKE_PAT },
    fivetran: { groups: ['sandbox_group'] },
    logs: 'capture',
  });
  let local: LocalLedger | undefined;
  try {
    if (options.ledger !== false) local = await startLocalLedger();
  } catch (error) {
    await world.stop();
    throw error;
  }
  const sandbox = world.sandbox!;
  const workerLedger = local && options.wrapLedger ? options.wrapLedger(local.ledger) : local?.ledger;
  const handler = createHandler(provisionSettings(sandbox.url), {}, workerLedger);
  const secretsManager = new SecretsManagerClient({});
  const secretValues: string[] = [FAKE_PAT.personal_access_token, FAKE_API_KEY.apiSecret];
  let nextId = 0;
  return {
    world,
    sandbox,
    ledger: local?.ledger,
    /** The ledger's table itself, to read or hand-edit its items. */
    table: local === undefined ? undefined : { client: local.client, tableName: local.tableName },
    record(body: unknown, attributes: { version?: string; messageId?: string } = {}): SQSRecord {
      nextId += 1;
      const record = sqsRecord(body, { messageId: attributes.messageId ?? `message-${nextId}`, sentAt: Date.now(), queueArn: QUEUE_ARN });
      if (attributes.version !== undefined)
        record.messageAttributes.requestSchemaVersion = { dataType: 'String', stringValue: attributes.version };
      return record;
    },
    /** Hands the records to the handler with `remainingMs` of the invocation left (30 s unless told). */
    invoke(records: SQSRecord[], remainingMs = 30_000) {
      const endsAt = Date.now() + remainingMs;
      return handler(
        { Records: records },
        lambdaContext(FUNCTION_ARN, () => endsAt - Date.now()),
      );
    },
    /** Makes the first example's connection and returns its id. */
    async create(schema = 'gitlab_team_a') {
      const request = patRequest({ schema });
      await this.invoke([this.record(request)]);
      const connection = sandbox.connections().find((c) => c.schema === schema);
      if (connection === undefined) throw new Error(`the create of ${schema} made no connection`);
      return { request, connectionId: connection.id };
    },
    /** Puts a new version of the credentials secret (it becomes AWSCURRENT) and returns its id. */
    async rotate(value: Record<string, string>) {
      secretValues.push(...Object.values(value));
      await secretsManager.send(new PutSecretValueCommand({ SecretId: SECRET_ID, SecretString: JSON.stringify(value) }));
      const described = await secretsManager.send(new DescribeSecretCommand({ SecretId: SECRET_ID }));
      return Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'))![0];
    },
    events: () => world.events().map((event) => ({ detailType: event.detailType, detail: event.detail as Record<string, any> })),
    writes: () => sandbox.calls.filter((call) => call.method !== 'GET'),
    /** Every secret value the world holds or was given, in each form a leak can take. */
    needles: () => secretValues.flatMap((value, index) => needlesFor(`secret ${index + 1}`, value)),
    leaks() {
      return findFragments(this.needles(), [
        ...world.logLines.map((text, index) => ({ where: `log line ${index + 1}`, text })),
        ...world.events().map((event, index) => ({ where: `event ${index + 1}`, text: JSON.stringify(event) })),
      ]);
    },
    async close() {
      secretsManager.destroy();
      await local?.close();
      await world.stop();
    },
  };
}

export type LifecycleWorld = Awaited<ReturnType<typeof startLifecycleWorld>>;
