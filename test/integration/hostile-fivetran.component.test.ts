import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PublishedEvent } from '../../local/aws/aws-stand-in';
import { seededRandom } from '../../local/fivetran-sandbox/prng';
import { type Interposer, startInterposer } from '../../local/world/interposer';
import { CREDENTIALS_PREFIX, type Pipeline, startPipeline } from '../../local/world/pipeline';
import { findFragments, needlesFor, randomPrivateKey, randomSecret } from '../support/secret-fragments';

/**
 * The handler through the real AWS SDK over HTTP, with an interposer in front
 * of the Fivetran sandbox that answers as Fivetran must not: redirecting,
 * echoing what it was sent (the private key, the Authorization header, the
 * token in a setup test), sending an answer that never ends, or paging for
 * ever. Every secret is a long random value, and every log line and event is
 * searched for any 12 characters of any of them.
 */
const GROUP = 'group_a';
const random = seededRandom(2026).next;
const apiKey = { apiKey: randomSecret(random, 16), apiSecret: randomSecret(random, 32) };
const credentials = {
  personal_access_token: `glpat-${randomSecret(random, 40)}`,
  client_certificate: `-----BEGIN CERTIFICATE-----\n${randomSecret(random, 64)}\n-----END CERTIFICATE-----\n`,
  client_private_key: randomPrivateKey(random),
};
const SECRET_ID = `${CREDENTIALS_PREFIX}${GROUP}/team-mtls`;
const authorization = Buffer.from(`${apiKey.apiKey}:${apiKey.apiSecret}`).toString('base64');
const needles = [
  ...Object.entries(credentials).flatMap(([key, value]) => needlesFor(key, value)),
  ...needlesFor('API secret', apiKey.apiSecret),
  { label: 'Authorization value', value: authorization },
];

let pipeline: Pipeline;
let fivetran: Interposer;
/** Somewhere a redirect could point: it must never be called. */
let elsewhere: Interposer;

beforeAll(async () => {
  pipeline = await startPipeline({
    groups: [GROUP],
    apiKey,
    secrets: { [SECRET_ID]: JSON.stringify(credentials) },
    pollers: 1,
    batchSize: 10,
    functionTimeoutMs: 2_500,
    visibilityTimeoutSeconds: 3,
    maxReceiveCount: 3,
    workerEnv: { FIVETRAN_REQUEST_TIMEOUT_MS: '1000', SAFETY_MARGIN_MS: '1000', MAX_ATTEMPTS_PER_DELIVERY: '1' },
    backoff: { baseDelayMs: 10, maxDelayMs: 50 },
    seed: 20,
    interpose: true,
  });
  fivetran = pipeline.interposers!.fivetran;
  elsewhere = await startInterposer(pipeline.sandbox.url);
  elsewhere.use(() => ({ status: 201, body: '{}' }));
});
afterAll(async () => {
  await elsewhere?.close();
  await pipeline?.stop();
});
beforeEach(async () => {
  await pipeline.sqs.send(new PurgeQueueCommand({ QueueUrl: pipeline.queueUrl }));
  fivetran.use(() => 'forward');
});

let sequence = 0;
async function sendOne(): Promise<{ messageId: string; schema: string }> {
  sequence += 1;
  const schema = `gitlab_hostile_${sequence}`;
  const body = {
    requestId: `req-${schema}`,
    connection: {
      group_id: GROUP,
      service: 'gitlab',
      config: { schema, auth: 'personal_access_token', custom_base_url: 'gitlab.example.com', enable_mtls_connection: 'true' },
    },
    credentialsSecretId: SECRET_ID,
  };
  const [messageId] = await pipeline.send([{ body: JSON.stringify(body) }]);
  return { messageId: messageId!, schema };
}
const isCreate = (call: { method: string; url: string }) => call.method === 'POST' && call.url === '/v1/connections';
const detailOf = (event: PublishedEvent) => event.detail as Record<string, any>;
const eventsFor = (messageId: string) => pipeline.events().filter((event) => detailOf(event).sqsMessageId === messageId);
const logOf = (messageId: string) => pipeline.logLines.filter((line) => line.includes(messageId));
const leaks = () =>
  findFragments(needles, [
    ...pipeline.logLines.map((text, index) => ({ where: `log line ${index + 1}`, text })),
    ...pipeline.events().map((event, index) => ({ where: `event ${index + 1}`, text: JSON.stringify(event) })),
  ]);

describe('a Fivetran that answers as it must not', () => {
  it('never follows a redirect: the create body, credentials included, goes nowhere else, and the record is retried', async () => {
    // given Fivetran's URL redirecting every create elsewhere
    fivetran.use((call) => (isCreate(call) ? { status: 307, headers: { location: `${elsewhere.url}/v1/connections` } } : 'forward'));
    const { messageId } = await sendOne();
    // when the handler provisions it
    expect(await pipeline.pollOnce()).toEqual({ received: 1, failed: 1, deleted: 0 });
    // then nothing reached the other host, no connection was claimed, and the log says what to check
    expect(elsewhere.requests).toEqual([]);
    expect(eventsFor(messageId)).toEqual([]);
    expect(logOf(messageId).some((line) => line.includes('redirects are never followed, so check FIVETRAN_API_URL'))).toBe(true);
  });

  it('publishes a 400 that echoes the whole private key JSON-escaped without any piece of it', async () => {
    // given Fivetran quoting the config it was sent in its error message
    fivetran.use((call) =>
      isCreate(call)
        ? {
            status: 400,
            body: JSON.stringify({
              code: 'InvalidInput',
              message: `Invalid client_private_key in ${JSON.stringify(JSON.parse(call.body).config)}`,
            }),
          }
        : 'forward',
    );
    const { messageId } = await sendOne();
    // when the handler provisions it
    expect(await pipeline.pollOnce()).toEqual({ received: 1, failed: 0, deleted: 1 });
    // then the refusal is published with what Fivetran said around the secrets, and no 12 characters of any secret
    const [event] = eventsFor(messageId);
    expect(detailOf(event!)).toMatchObject({ errorCode: 'FIVETRAN_REJECTED', fivetran: { status: 400, code: 'InvalidInput' } });
    expect(detailOf(event!).fivetran.message).toMatch(/^Invalid client_private_key in \{"schema":"gitlab_hostile_\d+",.*\[redacted\]/);
    expect(leaks()).toEqual([]);
  });

  it('logs a 401 that echoes the Authorization header without the API key in it', async () => {
    // given Fivetran refusing the key and repeating the header it was sent
    fivetran.use((call) => ({
      status: 401,
      body: JSON.stringify({ code: 'AuthFailed', message: `Invalid credentials; Authorization: ${String(call.headers.authorization)}` }),
    }));
    const { messageId } = await sendOne();
    // when the handler provisions it
    expect(await pipeline.pollOnce()).toEqual({ received: 1, failed: 1, deleted: 0 });
    // then the record goes back with the refusal logged, and no piece of the key or its base64 anywhere
    expect(logOf(messageId).some((line) => line.includes('FIVETRAN_AUTH_FAILED'))).toBe(true);
    expect(leaks()).toEqual([]);
  });

  it('publishes Connection Provisioned without the token or key that setup-test messages quote', async () => {
    // given a create whose setup tests quote the token and the start of the private key
    fivetran.use((call) => {
      if (!isCreate(call)) return 'forward';
      const sent = JSON.parse(call.body);
      const data = {
        id: 'echoing_connection',
        group_id: sent.group_id,
        service: 'gitlab',
        schema: sent.config.schema,
        status: { setup_state: 'broken' },
        setup_tests: [
          { title: 'Validate token', status: 'FAILED', message: `Token ${sent.config.personal_access_token} was refused` },
          { title: 'Validate key', status: 'FAILED', message: `Key starting ${sent.config.client_private_key.slice(0, 100)} is not valid` },
        ],
      };
      return { status: 201, body: JSON.stringify({ code: 'Success', data }) };
    });
    const { messageId } = await sendOne();
    // when the handler provisions it
    expect(await pipeline.pollOnce()).toEqual({ received: 1, failed: 0, deleted: 1 });
    // then the event keeps the messages' words, not the secrets
    const [event] = eventsFor(messageId);
    expect(detailOf(event!).setupTests).toEqual([
      { title: 'Validate token', status: 'FAILED', message: 'Token [redacted] was refused' },
      { title: 'Validate key', status: 'FAILED', message: 'Key starting [redacted] is not valid' },
    ]);
    expect(leaks()).toEqual([]);
  });

  it('stops reading an answer that never ends at 1 MiB, and retries the record', async () => {
    // given a create answered by a body that would be 300 MB
    let written = 0;
    fivetran.use((call) =>
      isCreate(call)
        ? {
            respond(response) {
              response.writeHead(200, { 'content-type': 'application/json' });
              const chunk = Buffer.alloc(64 * 1024, 'x');
              const pump = () => {
                while (written < 300 * 1024 * 1024 && !response.destroyed) {
                  written += chunk.length;
                  if (!response.write(chunk)) return void response.once('drain', pump);
                }
                response.end();
              };
              response.on('error', () => undefined);
              pump();
            },
          }
        : 'forward',
    );
    const { messageId } = await sendOne();
    // when the handler provisions it
    expect(await pipeline.pollOnce()).toEqual({ received: 1, failed: 1, deleted: 0 });
    // then it read no further than the cap (and what was in flight), and handed the record back
    expect(written).toBeLessThan(32 * 1024 * 1024);
    expect(logOf(messageId).some((line) => line.includes('with a body over 1048576 bytes; not read'))).toBe(true);
  });

  it('stops a listing whose pages never end at the deadline, not after a hundred pages', async () => {
    // given a group listing that always has one more (slow) page
    fivetran.use((call) =>
      call.method === 'GET'
        ? {
            respond(response) {
              setTimeout(() => {
                response.writeHead(200, { 'content-type': 'application/json' });
                response.end(JSON.stringify({ code: 'Success', data: { items: [], next_cursor: `after-${fivetran.requests.length}` } }));
              }, 100);
            },
          }
        : 'forward',
    );
    const pagesBefore = fivetran.requests.length;
    const { messageId } = await sendOne();
    // when the handler looks the schema up
    expect(await pipeline.pollOnce()).toEqual({ received: 1, failed: 1, deleted: 0 });
    // then the listing stopped at the invocation's deadline and the record went back
    const pages = fivetran.requests.length - pagesBefore;
    expect(pages).toBeGreaterThan(1);
    expect(pages).toBeLessThan(100);
    expect(eventsFor(messageId)).toEqual([]);
    // and no page was asked for after the batch answered: the listing did not outlive the invocation
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fivetran.requests.length - pagesBefore).toBe(pages);
  });
});
