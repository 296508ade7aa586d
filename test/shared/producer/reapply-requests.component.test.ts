import { request as httpRequest } from 'node:http';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Interposer, startInterposer } from '../../../local/world/interposer';
import { createSqsClient } from '../../../shared/aws/sqs-client';
import { reapplyRequestFor } from '../../../shared/contracts/lifecycle-request';
import { parseRequest } from '../../../shared/contracts/request-parser';
import { producerSender } from '../../../shared/producer/reapply-requests';
import { ReapplySendError } from '../../../shared/runtime/errors';
import { deadlineAt } from '../../../shared/runtime/retry';

/**
 * The sender the rotation fan-out and the drift check share, over the real
 * SDK against fauxqs, with an interposer in front that makes SQS refuse some
 * entries or never answer.
 */
const VERSION = '33333333-3333-4333-8333-333333333333';
const REGION = 'eu-west-1';

let fauxqs: Awaited<ReturnType<typeof startFauxqs>>;
let interposer: Interposer;
let sqs: SQSClient;
let queueUrl: string;

beforeEach(async () => {
  fauxqs = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
  queueUrl = fauxqs.createQueue('reapply-test').queueUrl;
  interposer = await startInterposer(fauxqs.address);
  sqs = createSqsClient({ endpoint: interposer.url, region: REGION });
});

afterEach(async () => {
  sqs.destroy();
  await interposer.close();
  await fauxqs.stop();
});

const requestsFor = (...connectionIds: string[]) => connectionIds.map((id) => reapplyRequestFor(id, VERSION, 'rotation'));
const inAMinute = () => deadlineAt(Date.now() + 60_000, Date.now);

async function queued(): Promise<Array<{ requestId: string; version: string | undefined }>> {
  const received = [];
  for (;;) {
    const answer = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
    );
    const messages = answer.Messages ?? [];
    if (messages.length === 0) return received;
    for (const message of messages) {
      const version = message.MessageAttributes?.requestSchemaVersion?.StringValue;
      const parsed = parseRequest(message.Body!, version);
      if (!parsed.ok || parsed.kind !== 'lifecycle')
        throw new Error('the queue holds a body the worker does not read as a lifecycle request');
      received.push({ requestId: parsed.request.requestId, version });
    }
  }
}

/** Forwards a SendMessageBatch without the entries whose body names `connectionId`, and reports those as refused by SQS. */
function refuseEntriesOf(connectionId: string) {
  interposer.use((seen) => {
    if (seen.target !== 'AmazonSQS.SendMessageBatch') return 'forward';
    const call = JSON.parse(seen.body) as { Entries: Array<{ Id: string; MessageBody: string }> };
    const refused = call.Entries.filter((entry) => entry.MessageBody.includes(connectionId));
    const body = JSON.stringify({ ...call, Entries: call.Entries.filter((entry) => !refused.includes(entry)) });
    return {
      respond(response) {
        const target = new URL(fauxqs.address);
        const forward = httpRequest(
          {
            host: target.hostname,
            port: target.port,
            method: 'POST',
            path: seen.url,
            headers: { ...seen.headers, host: target.host, 'content-length': String(Buffer.byteLength(body)) },
          },
          (answer) => {
            const chunks: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => chunks.push(chunk));
            answer.on('end', () => {
              const forwarded = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Successful?: unknown[]; Failed?: unknown[] };
              const failed = refused.map((entry) => ({
                Id: entry.Id,
                SenderFault: true,
                Code: 'InvalidMessageContents',
                Message: 'refused by the test',
              }));
              response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
              response.end(JSON.stringify({ Successful: forwarded.Successful ?? [], Failed: [...(forwarded.Failed ?? []), ...failed] }));
            });
          },
        );
        forward.on('error', () => response.destroy());
        forward.end(body);
      },
    };
  });
}

describe('sending reapply_credentials requests', () => {
  it('puts one message per request on the queue, each with schema version 2, as bodies the worker accepts', async () => {
    const send = producerSender({ queueUrl, sqsClient: sqs });
    const requests = requestsFor(...Array.from({ length: 12 }, (_, index) => `conn_${index}`));
    await send(requests, inAMinute());
    const messages = await queued();
    expect(messages.map((message) => message.requestId).sort()).toEqual(requests.map((request) => request.requestId).sort());
    expect(new Set(messages.map((message) => message.version))).toEqual(new Set(['2']));
  });

  it('throws naming what SQS refused after sending the rest, and a second send (the retried invocation) completes the set', async () => {
    const send = producerSender({ queueUrl, sqsClient: sqs });
    const requests = requestsFor('conn_ok_1', 'conn_refused', 'conn_ok_2');
    refuseEntriesOf('conn_refused');
    const error = await send(requests, inAMinute()).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ReapplySendError);
    expect(error).toMatchObject({ code: 'SQS_REJECTED' });
    expect((error as Error).message).toContain(
      `1 of 3 reapply_credentials request(s) were not sent (first: rotate:conn_refused:${VERSION}`,
    );
    expect((await queued()).map((message) => message.requestId).sort()).toEqual([
      `rotate:conn_ok_1:${VERSION}`,
      `rotate:conn_ok_2:${VERSION}`,
    ]);

    interposer.use(() => 'forward');
    await send(requests, inAMinute());
    // The same ids again: the worker's ledger makes the two already sent do nothing.
    expect((await queued()).map((message) => message.requestId)).toContain(`rotate:conn_refused:${VERSION}`);
  });

  it('gives up at the deadline with DEADLINE_REACHED when SQS does not answer', async () => {
    const send = producerSender({ queueUrl, sqsClient: sqs });
    interposer.use((seen) => (seen.target === 'AmazonSQS.SendMessageBatch' ? 'hang' : 'forward'));
    const error = await send(requestsFor('conn_1', 'conn_2'), deadlineAt(Date.now() + 300, Date.now)).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ReapplySendError);
    expect(error).toMatchObject({ code: 'DEADLINE_REACHED' });
    expect(interposer.hung).toBeGreaterThan(0);
  });
});
