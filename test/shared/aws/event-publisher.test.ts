import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventPublisher, MIN_RESEND_CALL_MS } from '../../../shared/aws/event-publisher';

const eventBridge = mockClient(EventBridgeClient);
afterEach(() => eventBridge.reset());

const publisher = (random: () => number = Math.random) =>
  createEventPublisher({
    client: new EventBridgeClient({}),
    eventBusName: 'bus',
    source: 'fivetran.provisioner',
    sleep: async () => undefined,
    random,
  });

const events = (count: number) => Array.from({ length: count }, (_, i) => ({ detailType: 'Test', detail: { n: i } }));
const sentDetails = () =>
  eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries!.map((entry) => JSON.parse(entry.Detail!).n));

describe('event publisher', () => {
  it('sends entries with bus, source and detail type, ten per call', async () => {
    eventBridge.on(PutEventsCommand).callsFake(async (input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `e-${i}` })),
    }));
    await publisher().publish(events(12));
    expect(sentDetails()).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [10, 11],
    ]);
    const first = eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(first).toMatchObject({ EventBusName: 'bus', Source: 'fivetran.provisioner', DetailType: 'Test' });
  });

  it('re-sends only the entries that failed with a retryable code', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException' }, { EventId: 'c' }] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }] });
    await publisher().publish(events(3));
    expect(sentDetails()).toEqual([[0, 1, 2], [1]]);
  });

  it('fails at once on an entry refused for good', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDeniedException' }] });
    await expect(publisher().publish(events(1))).rejects.toMatchObject({ code: 'EVENT_PUBLISH_FAILED', retryable: true });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('gives up after the bounded re-sends', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    await expect(publisher().publish(events(1))).rejects.toThrow(/PutEvents refused 1 event\(s\) \(InternalFailure\)/);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(4);
  });

  it('trusts only entries answered with an EventId: failures reported without an error code are re-sent, never taken as published', async () => {
    // given EventBridge reporting one failure but saying nothing about which entry, then answering properly
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: 'a' }, {}] })
      .resolvesOnce({ FailedEntryCount: 0, Entries: [] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }] });
    // when two events are published
    await publisher().publish(events(2));
    // then the unexplained entry went out again until it had an EventId, including after an answer that named no entry at all
    expect(sentDetails()).toEqual([[0, 1], [1], [1]]);
  });

  it('fails rather than report success when no answer ever carries an EventId', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [] });
    await expect(publisher().publish(events(1))).rejects.toThrow(/PutEvents refused 1 event\(s\) \(no EventId\)/);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(4);
  });

  it.each([
    ['the longest', () => 0.999],
    ['no', () => 0],
  ])('gives up a re-send that would not fit before the deadline, even when the backoff draws %s wait', async (_, random) => {
    // Time enough for the first call however slow the machine; once it has answered, 5 ms: room for a 0 ms wait, not for a call.
    let answered = false;
    eventBridge.on(PutEventsCommand).callsFake(() => {
      answered = true;
      return { FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException' }] };
    });
    const deadline = { remainingMs: () => (answered ? 5 : 60_000) };
    await expect(publisher(random).publish(events(1), { deadline })).rejects.toThrow(/no time is left to re-send/);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('re-sends when the wait and a call both fit before the deadline', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException' }] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'a' }] });
    // The longest first wait is 99 ms; 99 + MIN_RESEND_CALL_MS is just inside.
    const deadline = { remainingMs: () => 99 + MIN_RESEND_CALL_MS };
    await publisher(() => 0.999).publish(events(1), { deadline });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  it('reports a call that fails outright as a retryable fault', async () => {
    eventBridge.on(PutEventsCommand).rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailable' }));
    await expect(publisher().publish(events(1))).rejects.toMatchObject({ code: 'EVENT_PUBLISH_FAILED' });
  });
});
