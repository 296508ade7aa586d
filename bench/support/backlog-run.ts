import { patRequest } from '../../local/world/fixtures';
import { startLocalLedger } from '../../local/world/ledger';
import { CREDENTIALS_PREFIX, startPipeline } from '../../local/world/pipeline';
import { scaledWorker } from './scaled-worker';

/**
 * One backlog run of bench/deferral-backlog.ts: REQUESTS requests sent at
 * once, then `containers` pollers, each with the real handler, drain them
 * through fauxqs (with its dead-letter queue) against the sandbox's rolling
 * creation limit, with invocations of 2 s, so no wait for the next window
 * fits in one and every wait is deferred on the queue. The ledger (dynalite)
 * is there, as in the stack, so the containers share the creation budget.
 */
export const REQUESTS = Number(process.env.BENCH_BACKLOG_REQUESTS ?? 1_000);
const GROUP = 'bench_group';
const SECRET = `${CREDENTIALS_PREFIX}${GROUP}/team`;

export interface BacklogRun {
  containers: number;
  limit: number;
  windowMs: number;
  label: string;
}

export interface BacklogFigures {
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

export async function runBacklog(run: BacklogRun): Promise<BacklogFigures> {
  // The containers share the creation budget through the ledger, as on AWS; BENCH_BACKLOG_LEDGER=off measures each spreading its own.
  const ledger = process.env.BENCH_BACKLOG_LEDGER === 'off' ? undefined : await startLocalLedger();
  const pipeline = await startPipeline({
    ...(ledger ? { ledger: ledger.ledger } : {}),
    groups: [GROUP],
    apiKey: { apiKey: 'bench-key-backlog', apiSecret: 'bench-secret-backlog-not-real' },
    secrets: { [SECRET]: JSON.stringify({ personal_access_token: 'bench-token-not-real' }) },
    sandbox: { seed: run.containers, createRateLimit: { limit: run.limit, windowMs: run.windowMs } },
    pollers: run.containers,
    batchSize: 5,
    ...scaledWorker(5),
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
    await ledger?.close();
  }
}
