import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/cli';
import { createSqsClient } from '../../shared/aws/sqs-client';
import { captureIo, endAll, ROOT, spawnCli as spawnCliProcess, waitFor } from '../support/cli-process';

const MORE_REQUESTS = join(ROOT, 'examples/more-requests.jsonl');

/** Children this file started; any still running when a test ends is ended here, by its own pid. */
const children: ChildProcess[] = [];
afterEach(() => {
  endAll(children);
  vi.unstubAllEnvs();
});

/** Runs the CLI as `npm run cli` does, with the AWS endpoints of this test process left out. */
const spawnCli = (args: string[]) => spawnCliProcess(args, children);

describe('fivetran-provisioner CLI', () => {
  it('validate names every invalid line with its field paths and exits 1', async () => {
    const { io, out, err } = captureIo('{"requestId":"ok"}\n\nnot json\n');
    const code = await runCli(['validate', '-'], io);
    expect(code).toBe(1);
    expect(err).toEqual(['line 1: connection: is required', expect.stringMatching(/^line 3: not JSON/)]);
    expect(out).toEqual(['0 of 2 request(s) valid, 2 invalid']);
  });

  it('validate accepts a .json example file and exits 0', async () => {
    const { io, out } = captureIo();
    expect(await runCli(['validate', join(ROOT, 'examples/oauth-client-access.json')], io)).toBe(0);
    expect(out).toEqual(['1 of 1 request(s) valid']);
  });

  it('schema prints the request and event JSON Schemas', async () => {
    const { io, out } = captureIo();
    expect(await runCli(['schema'], io)).toBe(0);
    const printed = JSON.parse(out.join('\n'));
    expect(printed.requestSchemaVersion).toBe('1');
    expect(printed.request.required).toEqual(expect.arrayContaining(['requestId', 'connection']));
    expect(Object.keys(printed.events)).toEqual(
      expect.arrayContaining(['Connection Provisioned', 'Connection Credentials Applied', 'Backfill Completed']),
    );
    expect(printed.lifecycleRequestSchemaVersion).toBe('2');
    expect(JSON.stringify(printed.lifecycleRequest)).toContain('decommission');
  });

  it('redrive --help prints the redrive options, not the general help', async () => {
    const { io, out } = captureIo();
    expect(await runCli(['redrive', '--help'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/^Usage: npm run cli -- redrive --dlq/);
  });

  it('refuses an unknown command or option with exit code 2', async () => {
    const unknown = captureIo();
    expect(await runCli(['provision'], unknown.io)).toBe(2);
    expect(unknown.err[0]).toMatch(/^Unknown command "provision"/);
    const badOption = captureIo();
    expect(await runCli(['start', '--visibility-timeout', 'soon'], badOption.io)).toBe(2);
    expect(badOption.err[0]).toMatch(/--visibility-timeout must be a whole number/);
  });

  it('enqueue reports the invalid line, sends the valid ones to the queue and exits 1', async () => {
    // given a queue and a file of four requests, the fourth invalid
    const fauxqs = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
    try {
      vi.stubEnv('AWS_ENDPOINT_URL_SQS', fauxqs.address);
      const { queueUrl } = fauxqs.createQueue('cli-enqueue');
      const { io, out, err } = captureIo();
      // when they are enqueued
      const code = await runCli(['enqueue', MORE_REQUESTS, '--queue-url', queueUrl], io);
      // then the invalid line is named, the other three are on the queue, and the exit code says not all went
      expect(code).toBe(1);
      expect(err[0]).toBe('line 4: connection.config.schema: must be lowercase letters, digits and _, not starting with a digit');
      expect(out[0]).toBe(`Sent 3 of 4 request(s) to ${queueUrl}`);
      const sqs = createSqsClient();
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      sqs.destroy();
      expect(received.Messages?.map((message) => JSON.parse(message.Body!).requestId).sort()).toEqual(['more-1', 'more-2', 'more-3']);
    } finally {
      await fauxqs.stop();
    }
  });

  it('start runs the examples to their outcomes, prints the summary and the events file, and exits on its own', async () => {
    // given a fresh run directory
    const runDir = mkdtempSync(join(tmpdir(), 'cli-start-'));
    // when start runs as npm start runs it
    const run = spawnCli(['start', '--run-dir', runDir, '--wait-time', '1']);
    const code = await run.exit;
    // then it ended by itself (nothing left holding the process), with every example as expected
    expect(code).toBe(0);
    const output = run.output();
    expect(output).toMatch(/example-transient-fault\s+already_exists\s+\S+\s+2\s+yes \(already_exists\)/);
    expect(output).toMatch(/example-invalid-request\s+failed\s+INVALID_REQUEST/);
    // and the lifecycle examples acted on the connections made before them, each printed as its event
    expect(output).toMatch(/^event {2}Connection Paused {2}example-pause {2}connection \S+$/m);
    expect(output).toMatch(/example-decommission-wrong-schema\s+failed\s+CONFIRMATION_MISMATCH/);
    expect(output).toMatch(/example-decommission\s+deleted\s+\S+\s+-\s+yes \(deleted\)/);
    expect(output).toContain('All 10 examples reached their expected outcome');
    expect(output).toContain(`Events (JSON Lines): ${join(runDir, 'events.jsonl')}`);
    expect(output).not.toContain('ExperimentalWarning');
    expect(readFileSync(join(runDir, 'events.jsonl'), 'utf8').trim().split('\n')).toHaveLength(10);
    // and the handler's JSON logs went to the log file, not the console
    expect(output).not.toContain('"level":"INFO"');
    expect(readFileSync(join(runDir, 'handler.log'), 'utf8')).toContain('"message":"Connection provisioned"');
  });

  it('start --watch takes requests enqueued from elsewhere and shuts down cleanly on Ctrl-C', async () => {
    // given a watching run
    const runDir = mkdtempSync(join(tmpdir(), 'cli-watch-'));
    const run = spawnCli(['start', '--watch', '--no-examples', '--run-dir', runDir, '--wait-time', '1']);
    await waitFor(() => run.output().includes('Ctrl-C stops everything.'), 'the run to start watching');
    // when requests are enqueued from "another terminal", found through the run's stack file
    const { io, out } = captureIo();
    expect(await runCli(['enqueue', MORE_REQUESTS, '--run-dir', runDir], io)).toBe(1);
    expect(out[0]).toMatch(/^Sent 3 of 4 request\(s\) to .* \(the local run, pid \d+;/);
    // then the run processes them
    await waitFor(() => /more-1\s+created/.test(run.output()) && /more-3\s+CREDENTIALS_NOT_ALLOWED/.test(run.output()), 'their events');
    // and on Ctrl-C it stops everything and exits 0 by itself
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    expect(run.output()).toContain('Stopped: queues, sandbox and stand-ins closed.');
  });
});
