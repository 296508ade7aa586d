import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../cli/cli';
import { commandLine } from '../../../local/run/aws-cli-commands';
import { type CliProcess, captureIo, endAll, ROOT, spawnCli, waitFor } from '../../support/cli-process';

/**
 * A watching run, as a newcomer starts it from the dead-letter recipe of docs/local-run.md, and the commands it
 * prints for another terminal, run through the AWS SDK exactly as the AWS CLI runs them: to the
 * --endpoint-url, unsigned, with the body read from the file.
 */
const started: ChildProcess[] = [];
const runDir = mkdtempSync(join(tmpdir(), 'aws-cli-'));
let run: CliProcess;

beforeAll(async () => {
  run = spawnCli(
    [
      'start',
      '--watch',
      '--examples',
      'examples/dead-letter',
      '--max-receive-count',
      '2',
      '--visibility-timeout',
      '5',
      '--run-dir',
      runDir,
      '--wait-time',
      '1',
    ],
    started,
  );
  await waitFor(() => run.output().includes('Ctrl-C stops everything.'), 'the run to reach watching', 60_000);
}, 70_000);

afterAll(async () => {
  run.child.kill('SIGINT');
  await run.exit;
  endAll(started);
});

/** The words of a printed command line (the printer quotes with single quotes only). */
function words(line: string): string[] {
  return [...line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((match) =>
    match[1] !== undefined ? match[1].replaceAll(`'\\''`, `'`) : match[2]!,
  );
}

/** The printed `aws sqs <operation>` line, as its options. */
function printedAwsCommand(operation: string): Map<string, string | true> {
  const line = run
    .output()
    .split('\n')
    .find((candidate) => candidate.trim().startsWith(`aws sqs ${operation} `));
  if (line === undefined) throw new Error(`no "aws sqs ${operation}" line printed`);
  const [aws, sqs, printedOperation, ...rest] = words(line.trim());
  expect([aws, sqs, printedOperation]).toEqual(['aws', 'sqs', operation]);
  const options = new Map<string, string | true>();
  for (let index = 0; index < rest.length; index += 1) {
    const word = rest[index]!;
    const value = rest[index + 1];
    if (value === undefined || value.startsWith('--')) options.set(word, true);
    else {
      options.set(word, value);
      index += 1;
    }
  }
  return options;
}

/** The SDK client the AWS CLI amounts to for these options: their endpoint and region, no signature. */
function clientFor(options: Map<string, string | true>): SQSClient {
  expect(options.get('--no-sign-request')).toBe(true);
  return new SQSClient({
    endpoint: String(options.get('--endpoint-url')),
    region: String(options.get('--region')),
    useQueueUrlAsEndpoint: false,
    credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
    signer: { sign: async (request) => request },
  });
}

/** The events written so far: complete lines only, since the run may be writing the next one as this reads. */
const events = () =>
  readFileSync(join(runDir, 'events.jsonl'), 'utf8')
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line) as Record<string, unknown> & { detail: Record<string, unknown> });

describe('the commands a watching run prints', () => {
  it('showed each hand-back of the dead-letter example as it happened, then its dead-lettering', () => {
    const output = run.output();
    expect(output).toMatch(
      /retry {2}example-dead-letter {2}FIVETRAN_UNAVAILABLE {2}delivery 1 of 2 handed back: POST \/v1\/connections: Fivetran answered 503/,
    );
    expect(output).toMatch(
      /retry {2}example-dead-letter {2}FIVETRAN_UNAVAILABLE {2}delivery 2 of 2: retries exhausted, off to the dead-letter queue/,
    );
    expect(output).toMatch(/example-dead-letter\s+dead-lettered\s+RETRIES_EXHAUSTED/);
  });

  it('aws sqs receive-message shows the dead letter, without taking it', async () => {
    // given the printed receive-message command for the dead-letter queue
    const options = printedAwsCommand('receive-message');
    const sqs = clientFor(options);
    // when its equivalent runs twice
    const receive = () =>
      sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: String(options.get('--queue-url')),
          MaxNumberOfMessages: Number(options.get('--max-number-of-messages')),
          VisibilityTimeout: Number(options.get('--visibility-timeout')),
        }),
      );
    const first = await receive();
    const second = await receive();
    sqs.destroy();
    // then both times it holds the dead-lettered example
    for (const answer of [first, second]) {
      expect(answer.Messages?.map((message) => (JSON.parse(message.Body!) as { requestId: string }).requestId)).toEqual([
        'example-dead-letter',
      ]);
    }
  });

  it('aws sqs send-message puts the request file on the running queue, and the worker provisions it', async () => {
    // given the printed send-message command, whose body is a file of the repository
    const options = printedAwsCommand('send-message');
    const body = String(options.get('--message-body'));
    expect(body).toBe('file://examples/request.json');
    const sqs = clientFor(options);
    // when its equivalent runs
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: String(options.get('--queue-url')),
        MessageBody: readFileSync(join(ROOT, body.slice('file://'.length)), 'utf8'),
      }),
    );
    sqs.destroy();
    // then the request is provisioned, and its event is in the file as EventBridge delivers it
    expect(sent.MessageId).toBeDefined();
    await waitFor(() => events().some((event) => event.detail.requestId === 'team-a-gitlab'), "the request's event");
    const event = events().find((candidate) => candidate.detail.requestId === 'team-a-gitlab')!;
    expect(Object.keys(event)).toEqual(['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail']);
    expect(event).toMatchObject({
      version: '0',
      'detail-type': 'Connection Provisioned',
      source: 'fivetran.provisioner',
      account: '000000000000',
      region: 'us-east-1',
      resources: [],
    });
    expect(event.detail).toMatchObject({ outcome: 'created', groupId: 'sandbox_group', schema: 'gitlab_team_a' });
    expect(run.output()).toMatch(/event {2}Connection Provisioned {2}team-a-gitlab {2}created/);
  });

  it('the printed redrive line moves the dead letter back, and it is provisioned', async () => {
    // given the printed redrive command
    const line = run
      .output()
      .split('\n')
      .find((candidate) => candidate.startsWith('Redrive the dead letters: npm run cli -- '))!;
    const args = words(line.slice('Redrive the dead letters: npm run cli -- '.length));
    // when it runs (with the fault gone, as the example clears it once dead-lettered)
    const { io, out } = captureIo();
    expect(await runCli(args, io)).toBe(0);
    // then the message moved, and the worker created its connection
    expect(out[0]).toMatch(/^Moved 1 message\(s\)/);
    await waitFor(
      () => events().some((event) => event.detail.requestId === 'example-dead-letter' && event.detail.outcome === 'created'),
      "the redriven request's event",
    );
  });

  it('quotes only the words a shell would split', () => {
    expect(commandLine(['aws', 'file://my requests/a.json', "it's"])).toBe(`aws 'file://my requests/a.json' 'it'\\''s'`);
    expect(words(commandLine(['a b', "it's", 'plain']))).toEqual(['a b', "it's", 'plain']);
  });
});
