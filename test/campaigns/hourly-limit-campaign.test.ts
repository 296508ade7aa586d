import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFERRED_LOG_MESSAGE } from '../../functions/provision/deferral';
import { type LocalLedger, startLocalLedger } from '../../local/world/ledger';
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

/**
 * Each container on its own (no ledger), and the containers sharing the budget through the ledger (dynalite), as
 * the stack runs them: the deferrals then hold numbered slots, and once the cap is known every create takes one.
 */
const VARIANTS = [
  { name: 'each container spreading its own', section: 'hourly-limit-campaign', shared: false },
  { name: 'the containers sharing the budget through the ledger', section: 'hourly-limit-campaign-shared', shared: true },
];

interface DeferralLog {
  message?: string;
  sqsMessageId: string;
  hops: number;
  sentAs: string;
  creationSlot?: string;
}

describe.each(VARIANTS)(
  `hourly-limit campaign, $name: ${SETTINGS.requests} requests against ${LIMIT} creations per window, each wait longer than an invocation`,
  ({ section, shared }) => {
    let outcome: CampaignOutcome | undefined;
    let ledger: LocalLedger | undefined;
    let report: CampaignReport;
    let deferrals: DeferralLog[];

    beforeAll(async () => {
      ledger = shared ? await startLocalLedger() : undefined;
      outcome = await runCampaign({ ...SETTINGS, pipeline: { ...SETTINGS.pipeline, ...(ledger ? { ledger: ledger.ledger } : {}) } });
      await outcome.pipeline.stop();
      const { run, pipeline } = outcome;
      report = checkCampaign(run);
      deferrals = pipeline.logLines.flatMap((line) => {
        try {
          const entry = JSON.parse(line) as DeferralLog;
          return entry.message === DEFERRED_LOG_MESSAGE ? [entry] : [];
        } catch {
          return [];
        }
      });
      const rows: TableRow[] = [
        ...report.rows,
        {
          check: 'creation limit (Fivetran: an hourly cap)',
          observed: `${LIMIT} per ${WINDOW_MS / 1000} s, rolling`,
          required: '(setting)',
        },
        {
          check: 'deferrals on the queue (most hops of one request)',
          observed: `${deferrals.length} (${Math.max(0, ...deferrals.map((d) => d.hops))})`,
          required: '(reported)',
        },
        { check: 'dead letters', observed: String(run.deadLetters.length), required: '0', holds: run.deadLetters.length === 0 },
      ];
      const title = `Hourly-limit campaign (${LIMIT} creations per ${WINDOW_MS / 1000} s "hour"${shared ? ', the budget shared through the ledger' : ''})`;
      publishTable(section, title, markdownTable(rows));
    }, 90_000);

    afterAll(async () => {
      await outcome?.pipeline.stop();
      await ledger?.close();
    });

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
      expect(Math.max(0, ...deferrals.map((deferral) => deferral.hops))).toBeGreaterThanOrEqual(shared ? 1 : 2);
      const delivered = new Set(run.deliveries.map((delivery) => delivery.messageId));
      expect(deferrals.filter((deferral) => !delivered.has(deferral.sentAs))).toEqual([]);
      expect(deferrals.filter((deferral) => !run.messageIds.includes(deferral.sqsMessageId))).toEqual([]);
    });

    it('keeps every invariant of the fault campaign', () => {
      const broken = Object.fromEntries(Object.entries(report.violations).filter(([, problems]) => problems.length > 0));
      expect(Object.keys(report.violations).length).toBeGreaterThan(10);
      expect(broken).toEqual({});
    });

    if (shared)
      it('defers requests holding numbered slots, never one slot for two requests, and refuses no more creates than the containers had in flight when they met the cap, plus one per container per window', () => {
        const { run } = outcome!;
        const refused = run.calls.filter((call) => call.method === 'POST' && call.status === 429).length;
        const windows = Math.ceil(SETTINGS.requests / LIMIT);
        const { pollers } = SETTINGS.pipeline;
        const recordConcurrency = Number(SETTINGS.pipeline.workerEnv.RECORD_CONCURRENCY);
        expect(refused).toBeLessThanOrEqual(pollers * recordConcurrency + pollers * windows);
        const holders = new Map<string, Set<string>>();
        for (const { creationSlot, sqsMessageId } of deferrals) {
          if (creationSlot !== undefined) holders.set(creationSlot, (holders.get(creationSlot) ?? new Set()).add(sqsMessageId));
        }
        expect(holders.size).toBeGreaterThan(0);
        expect([...holders.entries()].filter(([, requests]) => requests.size > 1)).toEqual([]);
      });
  },
);
