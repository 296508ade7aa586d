import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../cli/cli';
import { eventsCommand } from '../../../cli/commands/events';
import { startAwsStandIn } from '../../../local/aws/aws-stand-in';
import { createEventSink, type EventBridgeEnvelope } from '../../../local/run/event-sink';
import { captureIo } from '../../support/cli-process';

const newRunDir = () => mkdtempSync(join(tmpdir(), 'events-file-'));

function envelope(detailType: string, detail: Record<string, unknown>): EventBridgeEnvelope {
  return {
    version: '0',
    id: `id-${String(detail.requestId)}`,
    'detail-type': detailType,
    source: 'fivetran.provisioner',
    account: '000000000000',
    time: '2026-01-01T00:00:00.000Z',
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

const CREATED = envelope('Connection Provisioned', { requestId: 'more-1', outcome: 'created', connectionId: 'amber_anchor', attempts: 1 });
const FOUND = envelope('Connection Provisioned', {
  requestId: 'more-2',
  outcome: 'already_exists',
  connectionId: 'brisk_badger',
  attempts: 1,
});
const NO_GROUP = envelope('Connection Provisioning Failed', {
  requestId: 'more-3',
  errorCode: 'GROUP_NOT_FOUND',
  message: 'Fivetran has no group',
});

function writeEvents(runDir: string, events: readonly EventBridgeEnvelope[]): void {
  writeFileSync(join(runDir, 'events.jsonl'), events.map((event) => `${JSON.stringify(event)}\n`).join(''));
}

describe('the events file', () => {
  it('holds each event as EventBridge delivers it to a rule target, through the stand-in and the real SDK', async () => {
    // given the stand-in writing to a sink
    const path = join(newRunDir(), 'events.jsonl');
    const sink = createEventSink(path);
    const standIn = await startAwsStandIn({ region: 'eu-west-1', onEvent: sink.accept });
    const client = new EventBridgeClient({ endpoint: standIn.url, region: 'eu-west-1' });
    try {
      // when an event with a resource is put
      await client.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: 'fivetran.provisioner',
              DetailType: 'Connection Provisioned',
              Detail: '{"requestId":"r-1"}',
              Resources: ['arn:aws:x:::y'],
              EventBusName: 'bus',
            },
          ],
        }),
      );
    } finally {
      client.destroy();
      await standIn.close();
    }
    // then its line is the envelope, with the stand-in's account and region
    const [line] = readFileSync(path, 'utf8').trim().split('\n');
    const event = JSON.parse(line!) as EventBridgeEnvelope;
    expect(Object.keys(event)).toEqual(['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail']);
    expect(event).toMatchObject({
      version: '0',
      'detail-type': 'Connection Provisioned',
      account: '000000000000',
      region: 'eu-west-1',
      resources: ['arn:aws:x:::y'],
      detail: { requestId: 'r-1' },
    });
    expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('fails the PutEvents entry, and says so once, when the file cannot be written', async () => {
    // given a sink on a full device
    const failures: Error[] = [];
    const sink = createEventSink('/dev/full', undefined, (error) => failures.push(error));
    const standIn = await startAwsStandIn({ onEvent: sink.accept });
    const client = new EventBridgeClient({ endpoint: standIn.url, region: 'us-east-1' });
    try {
      // when two events are put
      const put = () =>
        client.send(
          new PutEventsCommand({
            Entries: [{ Source: 's', DetailType: 'Connection Provisioned', Detail: '{"requestId":"r"}', EventBusName: 'bus' }],
          }),
        );
      const answers = [await put(), await put()];
      // then both entries failed as EventBridge reports an entry it could not take, and the stand-in kept neither
      for (const answer of answers) {
        expect(answer.FailedEntryCount).toBe(1);
        expect(answer.Entries?.[0]?.ErrorCode).toBe('InternalFailure');
      }
      expect(standIn.events).toEqual([]);
      expect(sink.events).toEqual([]);
      // and the failure was reported once, with the device's reason
      expect(failures.map((error) => (error as NodeJS.ErrnoException).code)).toEqual(['ENOSPC']);
    } finally {
      client.destroy();
      await standIn.close();
    }
  });
});

describe('the events command', () => {
  it('prints every event of the run, one line each', async () => {
    const runDir = newRunDir();
    writeEvents(runDir, [CREATED, FOUND, NO_GROUP]);
    const { io, out } = captureIo();
    expect(await runCli(['events', '--run-dir', runDir], io)).toBe(0);
    expect(out).toEqual([
      'event  Connection Provisioned  more-1  created  connection amber_anchor  attempts 1',
      'event  Connection Provisioned  more-2  already_exists  connection brisk_badger  attempts 1',
      'event  Connection Provisioning Failed  more-3  GROUP_NOT_FOUND  Fivetran has no group',
    ]);
  });

  it('shows only the events that match every filter given', async () => {
    const runDir = newRunDir();
    writeEvents(runDir, [CREATED, FOUND, NO_GROUP]);
    const shown = async (...filters: string[]) => {
      const { io, out } = captureIo();
      await runCli(['events', '--run-dir', runDir, '--json', ...filters], io);
      return out.map((line) => (JSON.parse(line) as EventBridgeEnvelope).id);
    };
    expect(await shown('--detail-type', 'connection provisioned')).toEqual(['id-more-1', 'id-more-2']);
    expect(await shown('--request-id', 'more-2')).toEqual(['id-more-2']);
    expect(await shown('--outcome', 'created')).toEqual(['id-more-1']);
    expect(await shown('--error-code', 'GROUP_NOT_FOUND')).toEqual(['id-more-3']);
    expect(await shown('--outcome', 'created', '--request-id', 'more-2')).toEqual([]);
  });

  it('skips a line that is not an event, naming it, and says when there is no events file', async () => {
    const runDir = newRunDir();
    writeFileSync(join(runDir, 'events.jsonl'), `not json\n${JSON.stringify(CREATED)}\n`);
    const { io, out, err } = captureIo();
    expect(await runCli(['events', '--run-dir', runDir], io)).toBe(0);
    expect(out).toHaveLength(1);
    expect(err).toEqual([`${join(runDir, 'events.jsonl')} line 1: not an event, skipped`]);
    const none = captureIo();
    expect(await runCli(['events', '--run-dir', newRunDir()], none.io)).toBe(3);
    expect(none.err[0]).toMatch(/^events: cannot read .*events\.jsonl: no such file or directory \(a run writes it: npm start\)$/);
  });

  it('with --follow, prints events as they are appended, across a new run starting the file over, until stopped', async () => {
    // given a following events command
    const runDir = newRunDir();
    const path = join(runDir, 'events.jsonl');
    writeEvents(runDir, [CREATED]);
    const { io, out } = captureIo();
    const controller = new AbortController();
    const following = eventsCommand(['--follow', '--run-dir', runDir, '--request-id', 'more-2'], io, {
      signal: controller.signal,
      dispose: () => undefined,
    });
    // when a matching event is appended in two writes, then a new run starts the file over with another
    const line = JSON.stringify(FOUND);
    appendFileSync(path, line.slice(0, 20));
    await new Promise((resolve) => setTimeout(resolve, 400));
    appendFileSync(path, `${line.slice(20)}\n`);
    await waitUntil(() => out.length === 1);
    writeFileSync(path, `${JSON.stringify({ ...FOUND, id: 'second-run' })}\n`);
    await waitUntil(() => out.length === 2);
    controller.abort();
    // then each was printed once, whole, and the command ended on the stop
    expect(await following).toBe(0);
    expect(out).toEqual([
      'event  Connection Provisioned  more-2  already_exists  connection brisk_badger  attempts 1',
      'event  Connection Provisioned  more-2  already_exists  connection brisk_badger  attempts 1',
    ]);
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
