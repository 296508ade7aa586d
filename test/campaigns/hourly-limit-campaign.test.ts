import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFERRED_LOG_MESSAGE } from '../../functions/provision/deferral';
import { type CampaignReport, checkCampaign, markdownTable, type TableRow } from '../reliability/support/invariants';
import { publishTable } from '../reliability/support/report';
import { type CampaignOutcome, type CampaignSettings, runCampaign } from '../reliability/support/run-campaign';

/**
 * Fivetran caps creations per hour (a real 429 reads "No more than 100
 * connectors can be created hourly", Retry-After: 3600). Here the sandbox's
 * "hour" lasts 5 s and allows 15 creations, and an invocation has 2.5 s: a
 * wait for the next window never fits in one. 45 requests need three windows,
 * with MAX_RECEIVE_COUNT 2: were every window to cost each waiting record a
 * receive, the last window's records would be dead-lettered. Deferred on the
 * queue instead, none is, and each gets exactly one terminal event.
 */
const LIMIT = 15;
const WINDOW_MS = 5_000;
const SETTINGS: CampaignSettings = {
  seed: 3600,
  requests: 45,
  duplicateShare: 0,
  requestFaults: false,
  createRateLimit: { limit: LIMIT, windowMs: WINDOW_MS },
  longRetryAfterSeconds: 4,
  faults: {},
  pipeline: {
    pollers: 3,
    batchSize: 5,
    functionTimeoutMs: 2_500,
    visibilityTimeoutSeconds: 3,
    maxReceiveCount: 2,
    workerEnv: {
      FIVETRAN_REQUEST_TIMEOUT_MS: '1000',
      FIVETRAN_CREATE_TIMEOUT_MS: '1500',
      SAFETY_MARGIN_MS: '300',
      RECORD_CONCURRENCY: '5',
    },
    backoff: { baseDelayMs: 30, maxDelayMs: 300 },
  },
  drainTimeoutMs: 40_000,
};

let outcome: CampaignOutcome | undefined;
let report: CampaignReport;
let deferrals: Array<{ sqsMessageId: string; hops: number; sentAs: string }>;

beforeAll(async () => {
  outcome = await runCampaign(SETTINGS);
  await outcome.pipeline.stop();
  const { run, pipeline } = outcome;
  report = checkCampaign(run);
  deferrals = pipeline.logLines.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { message?: string; sqsMessageId: string; hops: number; sentAs: string };
      return entry.message === DEFERRED_LOG_MESSAGE ? [entry] : [];
    } catch {
      return [];
    }
  });
  const rows: TableRow[] = [
    ...report.rows,
    { check: 'creation limit (Fivetran: an hourly cap)', observed: `${LIMIT} per ${WINDOW_MS / 1000} s, rolling`, required: '(setting)' },
    {
      check: 'deferrals on the queue (most hops of one request)',
      observed: `${deferrals.length} (${Math.max(0, ...deferrals.map((d) => d.hops))})`,
      required: '(reported)',
    },
    { check: 'dead letters', observed: String(run.deadLetters.length), required: '0', holds: run.deadLetters.length === 0 },
  ];
  publishTable('hourly-limit-campaign', `Hourly-limit campaign (${LIMIT} creations per ${WINDOW_MS / 1000} s "hour")`, markdownTable(rows));
}, 90_000);

afterAll(async () => {
  await outcome?.pipeline.stop();
});

describe(`hourly-limit campaign: ${SETTINGS.requests} requests against ${LIMIT} creations per window, each wait longer than an invocation`, () => {
  it('dead-letters nothing: every request is created once and announced once under the message id it was sent as', () => {
    const { run } = outcome!;
    expect(run.drained).toBe(true);
    expect(run.deadLetters).toEqual([]);
    expect(run.events.filter((event) => event.detailType !== 'Connection Provisioned')).toEqual([]);
    const announced = run.events.map((event) => (event.detail as { sqsMessageId: string }).sqsMessageId).sort();
    expect(announced).toEqual([...run.messageIds].sort());
    expect(run.connections.map((connection) => connection.schema).sort()).toEqual(
      run.plan.requests.map((request) => request.schema).sort(),
    );
  });

  it('waited on the queue, not with receives: requests were deferred, some across several hops, and every deferred message came back', () => {
    const { run } = outcome!;
    expect(run.calls.some((call) => call.status === 429)).toBe(true);
    expect(Math.max(0, ...deferrals.map((deferral) => deferral.hops))).toBeGreaterThanOrEqual(2);
    const delivered = new Set(run.deliveries.map((delivery) => delivery.messageId));
    expect(deferrals.filter((deferral) => !delivered.has(deferral.sentAs))).toEqual([]);
    expect(deferrals.filter((deferral) => !run.messageIds.includes(deferral.sqsMessageId))).toEqual([]);
  });

  it('keeps every invariant of the fault campaign', () => {
    const broken = Object.fromEntries(Object.entries(report.violations).filter(([, problems]) => problems.length > 0));
    expect(Object.keys(report.violations).length).toBeGreaterThan(10);
    expect(broken).toEqual({});
  });
});
