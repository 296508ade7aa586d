import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CampaignReport, checkCampaign, markdownTable, type TableRow } from '../reliability/support/invariants';
import { publishTable } from '../reliability/support/report';
import { type CampaignOutcome, type CampaignSettings, runCampaign } from '../reliability/support/run-campaign';

/**
 * Fivetran allows 20 connection creations a minute. Here the sandbox allows 20
 * per 6 s: the deployed stack's times divided by ten (function timeout 120 s →
 * 12 s, safety margin 5 s → 0.5 s, lookup timeout 30 s → 3 s, create timeout
 * 65 s → 6.5 s, backoff 300 ms / 5 s → 30 ms / 500 ms, the latter through the
 * handler's `backoff` override),
 * with its concurrency (2 invocations, batches of 5, 5 records at once) and
 * MAX_RECEIVE_COUNT 5. No other fault is injected: only the limit stands
 * between the 60 requests and their connections.
 */
const LIMIT = 20;
const WINDOW_MS = 6_000;
const SETTINGS: CampaignSettings = {
  seed: 60,
  requests: 60,
  duplicateShare: 0,
  requestFaults: false,
  createRateLimit: { limit: LIMIT, windowMs: WINDOW_MS },
  longRetryAfterSeconds: 4,
  faults: {},
  pipeline: {
    pollers: 2,
    batchSize: 5,
    functionTimeoutMs: 12_000,
    // Longer than the function timeout, as Lambda requires.
    visibilityTimeoutSeconds: 13,
    maxReceiveCount: 5,
    workerEnv: {
      FIVETRAN_REQUEST_TIMEOUT_MS: '3000',
      FIVETRAN_CREATE_TIMEOUT_MS: '6500',
      SAFETY_MARGIN_MS: '500',
      RECORD_CONCURRENCY: '5',
    },
    backoff: { baseDelayMs: 30, maxDelayMs: 500 },
  },
  drainTimeoutMs: 45_000,
};

let outcome: CampaignOutcome | undefined;
let report: CampaignReport;
let refusedCreates: number;
let refusedBound: number;
let callBound: number;

beforeAll(async () => {
  outcome = await runCampaign(SETTINGS);
  await outcome.pipeline.stop();
  const { run } = outcome;
  report = checkCampaign(run);

  const { pollers } = SETTINGS.pipeline;
  const recordConcurrency = run.config.recordConcurrency;
  const seconds = Math.ceil(run.wallMs / 1000);
  const created = run.connections.length;
  refusedCreates = run.calls.filter((call) => call.status === 429).length;
  // After its first 429 a container sends no call until the Retry-After (≥ 1 s) has passed, then creates one at a
  // time (for 60 s, longer than this run): each container meets at most its records in flight at once, then one 429 a second.
  refusedBound = pollers * (recordConcurrency + seconds);
  // Each delivery looks once (no lookup fails here, and no create is ambiguous or refused with 400/409);
  // every create is either one of the connections or a refused one.
  callBound = run.deliveries.length + created + refusedBound;
  const idealMs = (Math.ceil(SETTINGS.requests / LIMIT) - 1) * WINDOW_MS;
  const rows: TableRow[] = [
    ...report.rows,
    { check: 'creation limit (Fivetran: 20 a minute)', observed: `${LIMIT} per ${WINDOW_MS / 1000} s, rolling`, required: '(setting)' },
    {
      check: 'wall time against the ideal (the limit allows no faster)',
      observed: `${(run.wallMs / 1000).toFixed(1)} s against ${(idealMs / 1000).toFixed(0)} s`,
      required: '(reported)',
    },
    {
      check: 'creates refused with 429 ≤ pollers × (RECORD_CONCURRENCY + run seconds)',
      observed: String(refusedCreates),
      required: `≤ ${pollers} × (${recordConcurrency} + ${seconds}) = ${refusedBound}`,
      holds: refusedCreates <= refusedBound,
    },
    {
      check: 'Fivetran calls ≤ deliveries + connections + that bound on refusals',
      observed: `${run.calls.length} (${(run.calls.length / Math.max(1, created)).toFixed(2)} per created connection)`,
      required: `≤ ${callBound}`,
      holds: run.calls.length <= callBound,
    },
  ];
  publishTable('rate-limited-campaign', `Rate-limited campaign (${LIMIT} creations per ${WINDOW_MS / 1000} s)`, markdownTable(rows));
}, 90_000);

afterAll(async () => {
  await outcome?.pipeline.stop();
});

describe(`rate-limited campaign: ${SETTINGS.requests} requests against a limit of ${LIMIT} creations per ${WINDOW_MS / 1000} s`, () => {
  it('loses no request: every one is created once and announced once, nothing fails or is dead-lettered', () => {
    const { run } = outcome!;
    expect(run.deadLetters).toEqual([]);
    expect(run.events.filter((event) => event.detailType !== 'Connection Provisioned')).toEqual([]);
    const announced = run.events.map((event) => (event.detail as { requestId: string; outcome: string }).requestId).sort();
    expect(announced).toEqual(run.plan.requests.map((request) => request.requestId).sort());
    expect(run.events.every((event) => (event.detail as { outcome: string }).outcome === 'created')).toBe(true);
    expect(run.connections.map((connection) => connection.schema).sort()).toEqual(
      run.plan.requests.map((request) => request.schema).sort(),
    );
  });

  it('was actually rate-limited: Fivetran refused creates with 429', () => {
    expect(refusedCreates).toBeGreaterThan(0);
  });

  it('does not hammer Fivetran: refused creates and calls in all stay within the bounds the rate gate implies', () => {
    const { run } = outcome!;
    expect(refusedCreates).toBeLessThanOrEqual(refusedBound);
    expect(run.calls.length).toBeLessThanOrEqual(callBound);
  });

  it('keeps every invariant of the fault campaign', () => {
    const broken = Object.fromEntries(Object.entries(report.violations).filter(([, problems]) => problems.length > 0));
    expect(Object.keys(report.violations).length).toBeGreaterThan(10);
    expect(broken).toEqual({});
  });
});
