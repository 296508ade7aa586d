import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createHandler as createRotationHandler } from '../functions/rotation/create-handler';
import { FIVETRAN_SETUP_TEST_LIMITS } from '../local/fivetran-sandbox/rate-limit';
import { patRequest } from '../local/world/fixtures';
import { lambdaContext } from '../local/world/lambda-context';
import { startLocalLedger } from '../local/world/ledger';
import { CREDENTIALS_PREFIX, startPipeline } from '../local/world/pipeline';
import { CONNECTION_CREDENTIALS_APPLIED } from '../shared/contracts/lifecycle-events';
import { readSettings } from '../shared/runtime/settings';
import type { BenchmarkResult } from './support/report';
import { scaledWorker } from './support/scaled-worker';
import { round } from './support/stats';

/**
 * One rotation of a secret that 500 connections use, against Fivetran's
 * setup-test limits (250 a minute, 2,500 an hour) with time scaled down: a
 * "minute" of MINUTE_MS. Each re-application is a PATCH that runs the setup
 * tests, so the limit per minute is what paces the rotation. The connections
 * are made through the worker first (without setup tests, so they leave the
 * limits whole), then one PutSecretValue fires the stand-in's event, the
 * rotation fan-out puts one request per connection on the queue, and
 * `containers` pollers each feed the real worker until every connection has
 * the new version in the ledger. A first run without the limits measures how
 * fast this machine's pipeline re-applies on its own, so the ideal is
 * whichever is longer: the limits' minutes back to back, or that.
 */
const CONNECTIONS = Number(process.env.BENCH_ROTATION_CONNECTIONS ?? 500);
const MINUTE_MS = 5_000;
const CONTAINERS = 10;
const GROUP = 'bench_group';
const SECRET = `${CREDENTIALS_PREFIX}${GROUP}/rotated`;

interface RotationFigures {
  seeded: number;
  seedMs: number;
  reapplied: number;
  deadLetters: number;
  lost: number;
  setupTest429s: number;
  patches: number;
  calls: number;
  fanOutRequests: number;
  fanOutMs: number;
  messagesSent: number;
  lastAppliedMs: number;
}

async function runRotation(limited: boolean): Promise<RotationFigures> {
  const local = await startLocalLedger();
  const pipeline = await startPipeline({
    groups: [GROUP],
    apiKey: { apiKey: 'bench-key-rotation', apiSecret: 'bench-secret-rotation-not-real' },
    secrets: { [SECRET]: JSON.stringify({ personal_access_token: 'bench-token-first-not-real' }) },
    sandbox: {
      seed: 16,
      ...(limited ? { setupTestRateLimit: { ...FIVETRAN_SETUP_TEST_LIMITS, timeScale: 60_000 / MINUTE_MS } } : {}),
    },
    pollers: CONTAINERS,
    batchSize: 10,
    ...scaledWorker(10),
    seed: 1_600,
    ledger: local.ledger,
  });
  const secretsManager = new SecretsManagerClient({});
  try {
    const seedStarted = Date.now();
    const creates = Array.from({ length: CONNECTIONS }, (_, index) => {
      const request = patRequest({
        schema: `rotated_${index}`,
        groupId: GROUP,
        requestId: `bench-rotation_${index}`,
        credentialsSecretId: SECRET,
      });
      request.connection.run_setup_tests = false;
      return { body: JSON.stringify(request) };
    });
    await pipeline.send(creates);
    pipeline.startPollers();
    if (!(await pipeline.waitUntilDrained(120_000))) throw new Error('the connections were not all created within 2 minutes');
    const seedMs = Date.now() - seedStarted;
    const seeded = (await local.ledger.connectionsUsingSecret(SECRET)).length;
    if (seeded !== CONNECTIONS) throw new Error(`the ledger lists ${seeded} connections on the secret, not ${CONNECTIONS}`);

    const callsBefore = pipeline.sandbox.calls.length;
    const deliveriesBefore = pipeline.deliveries.length;
    const rotation = createRotationHandler(
      readSettings('rotation', { PROVISIONING_QUEUE_URL: pipeline.queueUrl, CREDENTIALS_SECRET_PREFIX: CREDENTIALS_PREFIX }),
      { ledger: local.ledger },
    );
    const fanOuts: Array<Promise<unknown>> = [];
    pipeline.aws.onSecretLabelUpdated((event) => {
      const run = rotation(
        event,
        lambdaContext('arn:aws:lambda:eu-west-1:123456789012:function:rotation', () => 60_000),
      );
      fanOuts.push(run);
      return run;
    });

    const started = Date.now();
    const put = await secretsManager.send(
      new PutSecretValueCommand({
        SecretId: SECRET,
        SecretString: JSON.stringify({ personal_access_token: 'bench-token-second-not-real' }),
      }),
    );
    const fanOut = (await Promise.all(fanOuts))[0] as { requestIds?: string[] } | undefined;
    const fanOutMs = Date.now() - started;
    const applied = new Map<string, number>();
    const giveUpAt = started + 40 * MINUTE_MS;
    while (applied.size < CONNECTIONS && Date.now() < giveUpAt) {
      for (const event of pipeline.events()) {
        const detail = event.detail as { connectionId?: string; versionId?: string };
        if (event.detailType === CONNECTION_CREDENTIALS_APPLIED && detail.versionId === put.VersionId && !applied.has(detail.connectionId!))
          applied.set(detail.connectionId!, Date.now() - started);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await pipeline.waitUntilDrained(10 * MINUTE_MS);
    const deadLetters = await pipeline.readDeadLetters();
    const reapplied = (await local.ledger.connectionsUsingSecret(SECRET)).filter(
      (entry) => entry.appliedVersionId === put.VersionId,
    ).length;
    const calls = pipeline.sandbox.calls.slice(callsBefore);
    return {
      seeded,
      seedMs,
      reapplied,
      deadLetters: deadLetters.length,
      lost: CONNECTIONS - reapplied - deadLetters.length,
      setupTest429s: calls.filter((call) => call.status === 429).length,
      patches: calls.filter((call) => call.method === 'PATCH' && call.status === 200).length,
      calls: calls.length,
      fanOutRequests: fanOut?.requestIds?.length ?? 0,
      fanOutMs,
      messagesSent: new Set(pipeline.deliveries.slice(deliveriesBefore).map((delivery) => delivery.messageId)).size,
      lastAppliedMs: Math.max(0, ...applied.values()),
    };
  } finally {
    secretsManager.destroy();
    await pipeline.stop();
    await local.close();
  }
}

/**
 * Target: every connection re-applied with one PATCH, 0 dead letters, none
 * lost, and the last one within 1.3 × the ideal: the limits' "minutes" back to
 * back (500 ÷ 250), or the run without limits when this machine is slower.
 */
export async function rotationAtSetupTestLimits(): Promise<BenchmarkResult> {
  const unlimited = await runRotation(false);
  const run = await runRotation(true);
  const windows = Math.ceil(CONNECTIONS / FIVETRAN_SETUP_TEST_LIMITS.perMinute);
  const limitsMs = windows * MINUTE_MS;
  const idealMs = Math.max(limitsMs, unlimited.lastAppliedMs);
  const ratio = run.lastAppliedMs / idealMs;
  const met = run.reapplied === CONNECTIONS && run.deadLetters === 0 && run.lost === 0 && run.patches === CONNECTIONS && ratio <= 1.3;
  const seconds = (ms: number, digits = 1) => `${round(ms / 1000, digits)} s`;
  return {
    id: 'rotation',
    title: `A rotation that touches ${CONNECTIONS} connections, at Fivetran's setup-test limits`,
    figure: {
      name: 'last connection re-applied ÷ ideal time',
      value: round(ratio),
      target: `≤ 1.3, all ${CONNECTIONS} re-applied, 0 dead letters, one PATCH per connection`,
      met,
    },
    details: {
      connections: CONNECTIONS,
      'setup-test limits': `${FIVETRAN_SETUP_TEST_LIMITS.perMinute} per ${MINUTE_MS / 1000} s "minute", ${FIVETRAN_SETUP_TEST_LIMITS.perHour} per ${(60 * MINUTE_MS) / 1000} s "hour" (rolling)`,
      containers: `${CONTAINERS}, batches of 10, invocations of 2 s`,
      'seeded through the worker': `${run.seeded} connections in ${seconds(run.seedMs)} (creates without setup tests, so the limits start whole)`,
      're-applied (ledger on the new version)': run.reapplied,
      'dead letters': run.deadLetters,
      lost: run.lost,
      'setup-test 429s': run.setupTest429s,
      'PATCHes answered 200': run.patches,
      'Fivetran calls per connection': round(run.calls / CONNECTIONS),
      'fan-out': `${run.fanOutRequests} requests enqueued in ${seconds(run.fanOutMs, 2)}`,
      'SQS messages sent': `${run.messagesSent} (${round(run.messagesSent / CONNECTIONS)} per connection)`,
      'last re-applied': `${seconds(run.lastAppliedMs)} vs ideal ${seconds(idealMs)}`,
      'the limits back to back': `${seconds(limitsMs)} (${windows} "minutes")`,
      'the same rotation without limits': `${seconds(unlimited.lastAppliedMs)}, ${unlimited.reapplied} re-applied, ${round(unlimited.calls / CONNECTIONS)} calls per connection`,
    },
    notes: [
      'Each re-application is one PATCH with run_setup_tests, which counts against the setup-test limit; a PATCH refused with 429 changes nothing, and the worker waits out its Retry-After, on the queue (a deferral: one more message) when it is longer than the invocation has left.',
      `In real time the limits make a rotation of ${CONNECTIONS} connections take at least ${windows - 1} to ${windows} minutes; the hourly limit (${FIVETRAN_SETUP_TEST_LIMITS.perHour}) caps a rotation at that many connections an hour, and the rest wait on the queue without dead-lettering.`,
      'Retry-After is in whole seconds and a deferred request comes back after at least its wait plus jitter, so with a "minute" of a few seconds the wait is a larger share than with a real minute.',
    ],
  };
}
