import { DescribeSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createHandler as createDriftHandler } from '../../../functions/drift/create-handler';
import { createHandler as createWorker } from '../../../functions/provision/create-handler';
import { createHandler as createRotationHandler } from '../../../functions/rotation/create-handler';
import type { SecretLabelUpdatedEvent } from '../../../local/aws/aws-stand-in';
import { pollOnce } from '../../../local/sqs-poller';
import { CREDENTIALS_PREFIX, FAKE_API_KEY, FUNCTION_ARN, GROUP_CREDENTIALS, patRequest } from '../../../local/world/fixtures';
import { lambdaContext } from '../../../local/world/lambda-context';
import { type LocalLedger, startLocalLedger } from '../../../local/world/ledger';
import { provisionSettings } from '../../../local/world/settings';
import { startWorld } from '../../../local/world/world';
import type { ConnectionEntry } from '../../../shared/ledger/ledger';
import { readSettings } from '../../../shared/runtime/settings';
import { findFragments, needlesFor } from '../../support/secret-fragments';

export const SECRET_A = `${GROUP_CREDENTIALS}rotating-a`;
export const SECRET_B = `${GROUP_CREDENTIALS}rotating-b`;
const FIRST_A = { personal_access_token: 'fake-pat-rotation-a-first-value' };
const FIRST_B = { personal_access_token: 'fake-pat-rotation-b-first-value' };

const context = (name: string): Context => lambdaContext(FUNCTION_ARN.replace(/provisioner$/, name), () => 30_000);

/**
 * A rotation from end to end, through the real AWS SDK: Secrets Manager and
 * EventBridge are the loopback stand-in, SQS is fauxqs (the queue and its
 * dead-letter queue), Fivetran the sandbox, the ledger dynalite. The stand-in's
 * `Secret Label Updated` events go to the rotation fan-out handler, as the rule
 * on the default bus sends them; the worker's handler is fed from the queue as
 * Lambda's event source mapping feeds it.
 */
export async function startRotationWorld() {
  const world = await startWorld({
    sqs: true,
    queues: { visibilityTimeoutSeconds: 1, maxReceiveCount: 5 },
    aws: true,
    secrets: { [SECRET_A]: FIRST_A, [SECRET_B]: FIRST_B },
    fivetran: { groups: ['sandbox_group'] },
    // Everything the functions can log is logged, so the secret scan sees it all.
    variables: { POWERTOOLS_LOG_LEVEL: 'DEBUG' },
    logs: 'capture',
  });
  let local: LocalLedger;
  try {
    local = await startLocalLedger();
  } catch (error) {
    await world.stop();
    throw error;
  }
  const { sqs, queues, sandbox, aws } = world as Required<typeof world>;
  const ledger = local.ledger;
  const functionEnv = { PROVISIONING_QUEUE_URL: queues.queueUrl, CREDENTIALS_SECRET_PREFIX: CREDENTIALS_PREFIX };
  const worker = createWorker(provisionSettings(sandbox.url, { MAX_RECEIVE_COUNT: '5' }), {}, ledger);
  const rotation = createRotationHandler(readSettings('rotation', functionEnv), { ledger });
  const drift = createDriftHandler(readSettings('drift', functionEnv), { ledger });
  const secretsManager = new SecretsManagerClient({});
  const secretValues = [FAKE_API_KEY.apiSecret, FIRST_A.personal_access_token, FIRST_B.personal_access_token];
  /** What the functions answered or threw, scanned for secrets with the logs and events. */
  const answers: unknown[] = [];
  const labelEvents: SecretLabelUpdatedEvent[] = [];
  const fanOuts: Promise<unknown>[] = [];
  let listening = true;

  const queueEmpty = async () => {
    const { Attributes: counts = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queues.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    return Object.values(counts).every((count) => Number(count) === 0);
  };
  const fanOut = (event: unknown) => {
    const run = rotation(event, context('rotation')).then(
      (answer) => {
        answers.push(answer);
        return answer;
      },
      (error: unknown) => {
        answers.push(error instanceof Error ? `${error.name}: ${error.message}` : error);
        throw error;
      },
    );
    fanOuts.push(run);
    return run;
  };
  aws.onSecretLabelUpdated((event) => {
    labelEvents.push(event);
    return listening ? fanOut(event) : undefined;
  });

  return {
    sandbox,
    ledger,
    labelEvents,
    /** Turns the rule off (or on again): events Secrets Manager sends meanwhile are missed. */
    listen(on: boolean) {
      listening = on;
    },
    /** Hands an event to the fan-out, as EventBridge delivers it (again), and returns its answer. */
    deliver: (event: unknown) => fanOut(event),
    /** Creates connections through the queue and the worker, so the create path records them; returns their ids by schema. */
    async create(connections: ReadonlyArray<{ schema: string; secretName: string }>) {
      await world.send(
        connections.map(({ schema, secretName }) => ({
          body: JSON.stringify(patRequest({ schema, requestId: `create-${schema}`, credentialsSecretId: secretName })),
        })),
      );
      await this.drain();
      return Object.fromEntries(
        connections.map(({ schema }) => {
          const made = sandbox.connections().find((connection) => connection.schema === schema);
          if (made === undefined) throw new Error(`the create of ${schema} made no connection`);
          return [schema, made.id];
        }),
      );
    },
    /** Puts a new version of the secret (it becomes AWSCURRENT, which fires the event) and returns its id once the fan-out has run. */
    async rotate(secretName: string, value: Record<string, string>) {
      secretValues.push(...Object.values(value));
      const put = await secretsManager.send(new PutSecretValueCommand({ SecretId: secretName, SecretString: JSON.stringify(value) }));
      await Promise.allSettled(fanOuts);
      return put.VersionId!;
    },
    async currentVersion(secretName: string) {
      const described = await secretsManager.send(new DescribeSecretCommand({ SecretId: secretName }));
      return Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
    },
    /** One run of the scheduled drift check. */
    async driftCheck() {
      const answer = await drift({}, context('drift'));
      answers.push(answer);
      return answer;
    },
    /**
     * Feeds the queue to the worker until nothing is left in it. `redeliverEach`: the first delivery of every
     * message does its work but its deletion is lost, so SQS delivers it again once its visibility timeout ends.
     */
    async drain(options: { redeliverEach?: boolean } = {}) {
      const delivered = new Set<string>();
      const handler = async (event: SQSEvent, ctx: Context): Promise<SQSBatchResponse> => {
        const answer = await worker(event, ctx);
        answers.push(answer);
        if (!options.redeliverEach) return answer;
        const first = event.Records.filter((record) => !delivered.has(record.messageId));
        for (const record of first) delivered.add(record.messageId);
        return {
          batchItemFailures: [...answer.batchItemFailures, ...first.map((record) => ({ itemIdentifier: record.messageId }))],
        };
      };
      const giveUpAt = Date.now() + 10_000;
      while (Date.now() < giveUpAt) {
        const report = await pollOnce({
          sqs,
          queueUrl: queues.queueUrl,
          queueArn: queues.queueArn,
          handler,
          batchSize: 10,
          waitTimeSeconds: 0,
          functionTimeoutMs: 30_000,
          functionArn: FUNCTION_ARN,
        });
        if (report.handlerError !== undefined) throw report.handlerError;
        if (report.received === 0 && (await queueEmpty())) return;
        if (report.received === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('the queue did not drain within 10 s');
    },
    deadLetters: () => world.deadLetters(),
    events: () => world.events().map((event) => ({ detailType: event.detailType, detail: event.detail as Record<string, any> })),
    patches: () => sandbox.calls.filter((call) => call.method === 'PATCH'),
    writes: () => sandbox.calls.filter((call) => call.method !== 'GET'),
    async connection(connectionId: string): Promise<ConnectionEntry> {
      const entry = await ledger.getConnection(connectionId);
      if (entry === undefined) throw new Error(`the ledger does not list ${connectionId}`);
      return entry;
    },
    /** Every piece of every secret value put (12 characters or more) found in a log line, an event or a function's answer. */
    leaks() {
      const needles = secretValues.flatMap((value, index) => needlesFor(`secret value ${index + 1}`, value));
      return findFragments(needles, [
        ...world.logLines.map((text, index) => ({ where: `log line ${index + 1}`, text })),
        ...world.events().map((event, index) => ({ where: `event ${index + 1}`, text: JSON.stringify(event) })),
        ...answers.map((answer, index) => ({ where: `answer ${index + 1}`, text: JSON.stringify(answer) ?? String(answer) })),
      ]);
    },
    logLines: world.logLines,
    async close() {
      secretsManager.destroy();
      await local.close();
      await world.stop();
    },
  };
}

export type RotationWorld = Awaited<ReturnType<typeof startRotationWorld>>;
