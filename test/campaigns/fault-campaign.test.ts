import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFERRED_LOG_MESSAGE } from '../../functions/provision/deferral';
import { type CampaignReport, checkCampaign, markdownTable } from '../reliability/support/invariants';
import { publishTable } from '../reliability/support/report';
import { type CampaignOutcome, runCampaign } from '../reliability/support/run-campaign';
import { faultCampaignSettings } from '../reliability/support/settings';

/**
 * The fault campaign (settings and their reasons in support/settings.ts):
 * 300 requests, 10 % of them sent twice, through fauxqs (with its dead-letter
 * queue), four local pollers each feeding its own real handler, the Secrets
 * Manager / EventBridge stand-in and the Fivetran sandbox, while the sandbox
 * injects seeded faults. The schedule of faults is fixed by the seed (the
 * n-th call Fivetran receives meets the n-th fault); which request makes the
 * n-th call depends on the pollers' concurrency and varies a little from run
 * to run. The invariants hold for every order.
 */
const SETTINGS = faultCampaignSettings(20261125);

let outcome: CampaignOutcome | undefined;
let report: CampaignReport;

beforeAll(async () => {
  outcome = await runCampaign(SETTINGS);
  // Stopping restores stdout, so the table below reaches the test output.
  await outcome.pipeline.stop();
  report = checkCampaign(outcome.run);
  publishTable('fault-campaign', `Fault campaign (seed ${SETTINGS.seed})`, markdownTable(report.rows));
}, 120_000);

afterAll(async () => {
  await outcome?.pipeline.stop();
});

/** The problems found for one invariant of the table; throws if the table has no such row, so a renamed row cannot pass unseen. */
function violationsOf(check: string): string[] {
  const found = report.violations[check];
  if (found === undefined) throw new Error(`no invariant named "${check}" in the campaign report`);
  return found;
}

describe('fault campaign: 300 requests, 10 % sent twice, under seeded Fivetran faults', () => {
  it('met every kind of fault, sent duplicates, and reached every kind of outcome, so no invariant holds vacuously', () => {
    const { run } = outcome!;
    const calls = run.calls;
    const retryAfters = new Set(calls.filter((call) => call.status === 429).map((call) => call.retryAfter));
    expect(retryAfters).toEqual(new Set(['1', String(SETTINGS.longRetryAfterSeconds)]));
    expect(calls.some((call) => call.faultKind === 'latency')).toBe(true);
    expect(calls.some((call) => call.faultKind === 'drop')).toBe(true);
    expect(calls.some((call) => call.faultKind === 'created-then-500')).toBe(true);
    expect(new Set(calls.filter((call) => call.faultKind === 'status' && call.status! >= 500).map((call) => call.status))).toEqual(
      new Set([500, 502, 503, 504]),
    );
    expect(run.messageIds.length).toBe(SETTINGS.requests + Math.round(SETTINGS.requests * SETTINGS.duplicateShare));
    const outcomes = new Set(
      run.events.map(
        (event) => (event.detail as { outcome?: string; errorCode?: string }).outcome ?? (event.detail as { errorCode: string }).errorCode,
      ),
    );
    expect([...outcomes].sort()).toEqual(
      expect.arrayContaining([
        'already_exists',
        'created',
        'CREDENTIALS_NOT_FOUND',
        'GROUP_NOT_FOUND',
        'RETRIES_EXHAUSTED',
        'SCHEMA_TAKEN',
      ]),
    );
    expect(run.deadLetters.length).toBeGreaterThan(0);
  });

  it('defers a record that met a long Retry-After on the queue for the wait, and it comes back as the message it was sent as', () => {
    const { pipeline, run } = outcome!;
    const deferrals = pipeline.logLines
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      })
      .filter((entry) => entry.message === DEFERRED_LOG_MESSAGE)
      .filter(
        (entry) =>
          Number(entry.delaySeconds) * 1000 > SETTINGS.pipeline.functionTimeoutMs - Number(SETTINGS.pipeline.workerEnv.SAFETY_MARGIN_MS),
      );
    expect(deferrals.length).toBeGreaterThan(0);
    // Each deferral sends a new message, which must be delivered, carrying the id the request was sent as.
    const deliveredAs = new Map(run.deliveries.map((delivery) => [delivery.messageId, delivery.originalMessageId]));
    const notBack = deferrals.filter((entry) => deliveredAs.get(String(entry.sentAs)) !== entry.sqsMessageId);
    expect(notBack).toEqual([]);
    expect(deferrals.filter((entry) => !run.messageIds.includes(String(entry.sqsMessageId)))).toEqual([]);
  });

  it('drains the queue: every message deleted or moved to the dead-letter queue within the bound', () => {
    expect(violationsOf('queue drained (every message deleted or dead-lettered) within the bound')).toEqual([]);
  });

  it('gives every message exactly one terminal outcome: provisioned, a non-retryable failure, or the dead-letter queue', () => {
    expect(violationsOf('every message has exactly one terminal outcome')).toEqual([]);
  });

  it('publishes RETRIES_EXHAUSTED exactly for the messages in the dead-letter queue', () => {
    expect(violationsOf('each dead letter has exactly one RETRIES_EXHAUSTED event, and each such event a dead letter')).toEqual([]);
  });

  it('never provisions a message that is also dead-lettered', () => {
    expect(violationsOf('no message is both provisioned and dead-lettered')).toEqual([]);
  });

  it('leaves exactly one connection per (group, schema) in Fivetran, and each Connection Provisioned names it', () => {
    expect(violationsOf('the sandbox holds at most one connection per (group, schema)')).toEqual([]);
    expect(violationsOf('every Connection Provisioned names the GitLab connection the sandbox holds for its request')).toEqual([]);
  });

  it('ends only request faults with a non-retryable failure: no transient fault turns into a permanent one', () => {
    expect(violationsOf('only request faults end in a non-retryable failure, each with its own code; transient faults never do')).toEqual(
      [],
    );
  });

  it('publishes only events that match their schemas, on the configured bus and source', () => {
    expect(violationsOf('every event matches its published schema, source and bus')).toEqual([]);
  });

  it('never delivers a message again while it is in progress, nor more often than MAX_RECEIVE_COUNT', () => {
    expect(violationsOf('no message delivered again while a handler still works on it (visibility timeout > function timeout)')).toEqual(
      [],
    );
    expect(violationsOf('no message delivered more than MAX_RECEIVE_COUNT times')).toEqual([]);
  });

  it('keeps create calls per connection and Fivetran calls in all within the bounds the code implies', () => {
    expect(violationsOf('create calls per connection ≤ MAX_ATTEMPTS_PER_DELIVERY × deliveries of its request')).toEqual([]);
    expect(violationsOf('Fivetran calls in all ≤ 3 × MAX_ATTEMPTS_PER_DELIVERY × deliveries')).toEqual([]);
  });

  it('gets only contract-valid answers from the sandbox and never fails a whole batch', () => {
    expect(violationsOf('responses of the sandbox that broke the API contract')).toEqual([]);
    expect(violationsOf('batches failed as a whole (the handler threw)')).toEqual([]);
  });
});
