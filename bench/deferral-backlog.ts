import { patRequest } from '../local/world/fixtures';
import { CREDENTIALS_PREFIX, startPipeline } from '../local/world/pipeline';
import type { BenchmarkResult } from './support/report';
import { round } from './support/stats';

/**
 * A backfill's backlog against Fivetran's creation caps, time scaled down:
 * an "hour" of WINDOW_MS, an invocation of 2 s (so no wait for the next
 * window fits in one), every wait deferred on the queue. Each run goes
 * through fauxqs with its dead-letter queue, the real handler in each of
 * `containers` pollers, and the sandbox's rolling creation limit.
 */
const REQUESTS = Number(process.env.BENCH_BACKLOG_REQUESTS ?? 1_000);
const GROUP = 'bench_group';
const SECRET = `${CREDENTIALS_PREFIX}${GROUP}/team`;

interface BacklogRun {
  containers: number;
  limit: number;
  windowMs: number;
  label: string;
}

interface BacklogFigures {
  created: number;
  deadLetters: number;
  lost: number;
  messagesWithoutOneEvent: number;
  lastCreationMs: number;
  idealMs: number;
  calls: number;
  rateLimited: number;
  windows: number;
}

async function runBacklog(run: BacklogRun): Promise<BacklogFigures> {
  const pipeline = await startPipeline({
    groups: [GROUP],
    apiKey: { apiKey: 'bench-key-backlog', apiSecret: 'bench-secret-backlog-not-real' },
    secrets: { [SECRET]: JSON.stringify({ personal_access_token: 'bench-token-not-real' }) },
    sandbox: { seed: run.containers, createRateLimit: { limit: run.limit, windowMs: run.windowMs } },
    pollers: run.containers,
    batchSize: 5,
    functionTimeoutMs: 2_000,
    visibilityTimeoutSeconds: 3,
    maxReceiveCount: 5,
    workerEnv: {
      FIVETRAN_REQUEST_TIMEOUT_MS: '1000',
      FIVETRAN_CREATE_TIMEOUT_MS: '1500',
      SAFETY_MARGIN_MS: '300',
      RECORD_CONCURRENCY: '5',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    },
    backoff: { baseDelayMs: 30, maxDelayMs: 300 },
    seed: 1_000 + run.containers,
  });
  try {
    const bodies = Array.from({ length: REQUESTS }, (_, index) => ({
      body: JSON.stringify(
        patRequest({ schema: `backlog_${index}`, groupId: GROUP, requestId: `bench-backlog_${index}`, credentialsSecretId: SECRET }),
      ),
    }));
    const ids = await pipeline.send(bodies);
    const started = Date.now();
    pipeline.startPollers();
    const windows = Math.ceil(REQUESTS / run.limit);
    const drained = await pipeline.waitUntilDrained(windows * run.windowMs * 3 + 30_000);
    const deadLetters = await pipeline.readDeadLetters();
    await pipeline.stop();
    const connections = pipeline.sandbox.connections();
    const lastCreatedAt = Math.max(...connections.map((connection) => Date.parse(connection.data.created_at)));
    const eventsOf = new Map<string, number>();
    for (const event of pipeline.events()) {
      const id = String((event.detail as { sqsMessageId?: string }).sqsMessageId);
      eventsOf.set(id, (eventsOf.get(id) ?? 0) + 1);
    }
    const dead = new Set(deadLetters.map((letter) => letter.originalMessageId ?? letter.messageId));
    return {
      created: connections.length,
      deadLetters: deadLetters.length,
      lost: drained ? ids.filter((id) => !eventsOf.has(id) && !dead.has(id)).length : REQUESTS,
      messagesWithoutOneEvent: ids.filter((id) => eventsOf.get(id) !== 1).length,
      lastCreationMs: lastCreatedAt - started,
      idealMs: (windows - 1) * run.windowMs,
      calls: pipeline.sandbox.calls.length,
      rateLimited: pipeline.sandbox.calls.filter((call) => call.status === 429).length,
      windows,
    };
  } finally {
    await pipeline.stop();
  }
}

/**
 * Target: a backlog of REQUESTS against an hourly cap with 1, 2 and 10
 * containers, and against a per-minute limit with 10: nothing dead-lettered
 * or lost, one terminal event per request, the last creation within 1.1 × the
 * ideal (the cap's windows back to back), ≤ 1.3 Fivetran calls per created
 * connection (1.5 per minute), 429s ≤ one per container per window.
 */
export async function deferralBacklog(): Promise<BenchmarkResult> {
  const runs: BacklogRun[] = [
    { containers: 1, limit: 100, windowMs: 6_000, label: 'hourly cap, 1 container' },
    { containers: 2, limit: 100, windowMs: 6_000, label: 'hourly cap, 2 containers' },
    { containers: 10, limit: 100, windowMs: 6_000, label: 'hourly cap, 10 containers' },
    { containers: 10, limit: 20, windowMs: 1_200, label: 'per-minute limit, 10 containers' },
  ];
  const details: Record<string, string | number | boolean> = {};
  let met = true;
  let worstRatio = 0;
  for (const run of runs) {
    const figures = await runBacklog(run);
    const ratio = figures.lastCreationMs / figures.idealMs;
    const callsPerConnection = figures.calls / Math.max(1, figures.created);
    const perMinute = run.label.startsWith('per-minute');
    const holds =
      figures.deadLetters === 0 &&
      figures.lost === 0 &&
      figures.messagesWithoutOneEvent === 0 &&
      callsPerConnection <= (perMinute ? 1.5 : 1.3) &&
      (perMinute || (ratio <= 1.1 && figures.rateLimited <= run.containers * figures.windows));
    met &&= holds;
    worstRatio = Math.max(worstRatio, ratio);
    details[run.label] =
      `${figures.created} created, ${figures.deadLetters} dead letters, ${figures.lost} lost, ${figures.messagesWithoutOneEvent} without exactly one event; ` +
      `last creation ${round(figures.lastCreationMs / 1000, 1)} s vs ideal ${figures.idealMs / 1000} s (${round(ratio)}); ` +
      `${round(callsPerConnection)} calls per connection; ${figures.rateLimited} answered 429 (${run.containers} × ${figures.windows} windows = ${run.containers * figures.windows})` +
      (holds ? '' : ' — target missed');
  }
  return {
    id: 'deferral-backlog',
    title: 'Backlog at Fivetran’s limits (deferred on the queue)',
    figure: {
      name: 'worst last creation ÷ ideal time',
      value: round(worstRatio),
      target: '≤ 1.1, 0 dead letters, ≤ 1.3 calls per connection',
      met,
    },
    details: {
      requests: REQUESTS,
      'hourly cap': '100 per 6 s "hour" (rolling), invocations of 2 s',
      'per-minute limit': '20 per 1.2 s "minute" (rolling)',
      ...details,
    },
    notes: [
      'Every wait longer than an invocation is deferred on the queue (SendMessage with DelaySeconds), so no request spends its deliveries waiting: dead letters stay at 0 however large the backlog.',
      "Retry-After is in whole seconds and a deferred request comes back after at least its wait plus up to 10 % jitter, so each window starts a little late; with an hour of 6 s this is a larger share than with Fivetran's real hour.",
      'Each deferred delivery looks its schema up (one listing per group and batch) before it creates, which is what the calls beyond one per connection are.',
    ],
  };
}
