import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/cli';
import { runRedrive } from '../../cli/commands/redrive';
import { sqsVariablesFor } from '../../cli/sqs-target';
import { regionOfQueue } from '../../shared/aws/sqs-client';
import { enqueue } from '../../shared/producer';
import { validRequests } from '../shared/producer/support/producer-requests';
import { captureIo, ROOT } from '../support/cli-process';

let fauxqs: Awaited<ReturnType<typeof startFauxqs>>;
beforeAll(async () => {
  fauxqs = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
});
afterAll(async () => {
  await fauxqs?.stop();
});
afterEach(() => vi.unstubAllEnvs());

/** A shell with no AWS settings at all: no region, no credentials, no endpoint, no config files. */
function bareEnvironment(): void {
  for (const name of [
    'AWS_REGION',
    'AWS_DEFAULT_REGION',
    'AWS_PROFILE',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_ENDPOINT_URL_SQS',
  ])
    vi.stubEnv(name, undefined);
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/aws-config');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/aws-credentials');
}

/** A queue and its dead-letter queue in fauxqs, as fauxqs names them (http://sqs.<region>.127.0.0.1:PORT/…). */
async function queuePair(name: string, region = 'us-east-1') {
  const admin = new SQSClient({
    endpoint: fauxqs.address,
    region,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    useQueueUrlAsEndpoint: false,
  });
  const dlqUrl = (await admin.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }))).QueueUrl!;
  const dlqArn = (await admin.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes!
    .QueueArn!;
  const queueUrl = (
    await admin.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) },
      }),
    )
  ).QueueUrl!;
  return { admin, queueUrl, dlqUrl, dlqArn };
}

describe('the SQS server and region a queue reference names', () => {
  it('reads the region of an ARN, an AWS URL of either form, and a local server URL', () => {
    expect(regionOfQueue('arn:aws:sqs:eu-west-1:123456789012:q')).toBe('eu-west-1');
    expect(regionOfQueue('https://sqs.ap-southeast-2.amazonaws.com/123456789012/q')).toBe('ap-southeast-2');
    expect(regionOfQueue('https://us-gov-west-1.queue.amazonaws.com/123456789012/q')).toBe('us-gov-west-1');
    expect(regionOfQueue('http://sqs.us-east-1.127.0.0.1:4566/000000000000/q')).toBe('us-east-1');
    expect(regionOfQueue('http://127.0.0.1:4566/000000000000/q')).toBeUndefined();
    expect(regionOfQueue('not a url')).toBeUndefined();
  });

  it('calls a local server at its own address with fake credentials, and AWS by region only', () => {
    expect(sqsVariablesFor('http://sqs.us-east-1.127.0.0.1:4566/000000000000/q', {})).toEqual({
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    expect(sqsVariablesFor('http://localhost:9324/000000000000/q', { AWS_PROFILE: 'dev' })).toEqual({
      AWS_ENDPOINT_URL_SQS: 'http://localhost:9324',
      AWS_REGION: 'us-east-1',
    });
    expect(sqsVariablesFor('https://sqs.eu-west-1.amazonaws.com/123456789012/q', {})).toEqual({ AWS_REGION: 'eu-west-1' });
    expect(sqsVariablesFor('arn:aws:sqs:eu-west-1:123456789012:q', { AWS_REGION: 'us-east-1' })).toEqual({});
    // the AWS CLI's AWS_DEFAULT_REGION counts as the shell's region, handed to the SDK (which reads only AWS_REGION)
    expect(sqsVariablesFor('https://sqs.eu-west-1.amazonaws.com/123456789012/q', { AWS_DEFAULT_REGION: 'eu-central-1' })).toEqual({
      AWS_REGION: 'eu-central-1',
    });
    expect(sqsVariablesFor('my-queue', { AWS_DEFAULT_REGION: 'eu-central-1' })).toEqual({ AWS_REGION: 'eu-central-1' });
    expect(sqsVariablesFor('my-queue', { AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'eu-central-1' })).toEqual({});
    // an endpoint the user set wins; a server elsewhere gets neither a guessed region nor fake credentials
    expect(
      sqsVariablesFor('http://127.0.0.1:4566/000000000000/q', { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9999', AWS_REGION: 'eu-west-1' }),
    ).toEqual({});
    expect(sqsVariablesFor('https://queue.internal.example:8443/1/q', {})).toEqual({
      AWS_ENDPOINT_URL_SQS: 'https://queue.internal.example:8443',
    });
  });
});

describe('enqueue with no AWS settings in the shell', () => {
  it('takes the region from the queue URL', async () => {
    // given a queue in eu-west-1 and a shell with credentials and an endpoint but no region
    const { admin } = await queuePair('region-from-url', 'eu-west-1');
    bareEnvironment();
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', fauxqs.address);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/000000000000/region-from-url';
    // when requests are enqueued by the producer client with its own SQS client
    const results = await enqueue(validRequests(2), { queueUrl });
    // then they were sent, to the queue of that region
    expect(results.map((result) => result.status)).toEqual(['sent', 'sent']);
    const received = await admin.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    expect(received.Messages).toHaveLength(2);
    admin.destroy();
  });

  it('stops at a missing region at once, without sending again, and says what to set', async () => {
    // given a queue URL that names no region, and no region anywhere
    bareEnvironment();
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', 'http://127.0.0.1:9');
    const sleeps: number[] = [];
    // when requests are enqueued
    const results = await enqueue(validRequests(12), {
      queueUrl: 'https://queue.example.invalid/1/q',
      sleep: async (ms) => void sleeps.push(ms),
    });
    // then each is refused as a configuration error after one attempt, with no wait for a retry
    expect(new Set(results.map((result) => result.status === 'refused' && result.code))).toEqual(new Set(['CLIENT_NOT_CONFIGURED']));
    expect(results.every((result) => result.attempts <= 1)).toBe(true);
    expect(sleeps).toEqual([]);
    expect((results[0] as { reason: string }).reason).toMatch(/Region is missing; fix the AWS configuration \(AWS_REGION/);
  });

  it('the CLI sends to a local server named by its queue URL alone', async () => {
    // given fauxqs's own queue URL and a shell with no AWS settings
    const { admin, queueUrl } = await queuePair('cli-url-only');
    bareEnvironment();
    // when the CLI enqueues to it
    const { io, out } = captureIo();
    expect(await runCli(['enqueue', `${ROOT}/examples/request.json`, '--queue-url', queueUrl], io)).toBe(0);
    // then the request is on that queue
    expect(out[0]).toBe(`Sent 1 of 1 request(s) to ${queueUrl}`);
    const received = await admin.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    expect(received.Messages?.map((message) => (JSON.parse(message.Body!) as { requestId: string }).requestId)).toEqual(['team-a-gitlab']);
    admin.destroy();
  });
});

describe('redrive with no AWS settings in the shell', () => {
  const io = () => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    return { stdout, stderr, io: { stdout: (text: string) => stdout.push(text), stderr: (text: string) => stderr.push(text) } };
  };

  it('uses the server of the dead-letter queue URL it is given', async () => {
    // given a dead letter in fauxqs, known only by fauxqs's URL
    const { admin, queueUrl, dlqUrl } = await queuePair('redrive-url-only');
    await admin.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: '{"requestId":"r-1"}' }));
    bareEnvironment();
    // when it is redriven
    const recorded = io();
    expect(await runRedrive(['--dlq', dlqUrl], recorded.io)).toBe(0);
    // then it is back in its queue
    expect(recorded.stdout[0]).toMatch(/^Moved 1 message\(s\)/);
    const received = await admin.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    expect(received.Messages?.map((message) => message.Body)).toEqual(['{"requestId":"r-1"}']);
    admin.destroy();
  });

  it('refuses a destination that is the dead-letter queue itself, by URL or by ARN, with exit code 2', async () => {
    const { admin, dlqUrl, dlqArn } = await queuePair('redrive-same');
    bareEnvironment();
    const byUrl = io();
    expect(await runRedrive(['--dlq', dlqUrl, '--to', dlqUrl], byUrl.io)).toBe(2);
    expect(byUrl.stderr[0]).toMatch(/^--to names the dead-letter queue itself/);
    const byArn = io();
    expect(await runRedrive(['--dlq', dlqUrl, '--to', dlqArn], byArn.io)).toBe(2);
    expect(byArn.stderr[0]).toMatch(/^redrive refused: SAME_QUEUE: The destination arn:.* is the dead-letter queue itself/);
    admin.destroy();
  });

  it("explains a missing region instead of failing with the SDK's words alone", async () => {
    // given a queue URL that names no region, at an endpoint the user set, and no region anywhere
    bareEnvironment();
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', 'http://127.0.0.1:9');
    const recorded = io();
    // when it is redriven, then it says what to set
    expect(await runRedrive(['--dlq', 'https://queue.example.invalid/1/dlq'], recorded.io)).toBe(3);
    expect(recorded.stderr.join('\n')).toMatch(
      /CLIENT_NOT_CONFIGURED: Cannot call SQS \(Region is missing\): no AWS region is set: set AWS_REGION/,
    );
  });
});
