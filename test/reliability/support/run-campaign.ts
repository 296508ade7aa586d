import type { RandomFaultConfig } from '../../../local/fivetran-sandbox/types';
import { type DeadLetter, type Pipeline, type PipelineOptions, type SentMessage, startPipeline } from '../../../local/world/pipeline';
import { CAMPAIGN_GROUPS, type CampaignPlan, markedApiKey, OUTAGE_GROUP, planCampaign } from './campaign';
import type { CampaignRun } from './invariants';
import { createMarkers, type Markers } from './markers';

export interface CampaignSettings {
  seed: number;
  requests: number;
  duplicateShare: number;
  /** Whether some requests are request faults or meet an outage (see planCampaign). Default true. */
  requestFaults?: boolean;
  /** Fivetran's creation limit, scaled down in time. */
  createRateLimit?: { limit: number; windowMs: number };
  faults: RandomFaultConfig['probabilities'];
  /** The "long" 429's Retry-After: longer than one invocation's budget, short enough to come back within the test. */
  longRetryAfterSeconds: number;
  pipeline: Omit<PipelineOptions, 'groups' | 'apiKey' | 'secrets' | 'seed' | 'sandbox'>;
  /** How long to wait for the queue to drain before giving up (and failing). */
  drainTimeoutMs: number;
  /** Every secret a long random value (a private key 1.7 KB), instead of a short marker. */
  longSecrets?: boolean;
  /** More messages to send along with the campaign's, spread among them (e.g. the bad-input corpus). */
  extra?: (context: { accountId: string; markers: Markers }) => {
    messages: SentMessage[];
    secrets: Record<string, string>;
    /** Connections of another service to create first. */
    seeded?: Array<{ groupId: string; schema: string; service: string }>;
  };
}

export interface CampaignOutcome {
  run: CampaignRun;
  pipeline: Pipeline;
  /** The message ids of `extra`'s messages, in its order. */
  extraIds: string[];
  /** Every dead letter, the campaign's and `extra`'s. */
  deadLetters: DeadLetter[];
  markers: Markers;
  /** The Fivetran API key the run used (marked). */
  apiKey: { apiKey: string; apiSecret: string };
}

/**
 * Drives a campaign through the pipeline: plans it, seeds secrets and the
 * sandbox, switches the seeded faults on, sends every message, runs the
 * pollers until the queue has drained (or the bound passed), and collects
 * what every part saw. The caller stops `pipeline`.
 */
export async function runCampaign(settings: CampaignSettings): Promise<CampaignOutcome> {
  const markers = createMarkers(settings.seed, { long: settings.longSecrets ?? false });
  const apiKey = markedApiKey(markers);
  const pipeline = await startPipeline({
    ...settings.pipeline,
    groups: [...CAMPAIGN_GROUPS, OUTAGE_GROUP],
    apiKey,
    secrets: {},
    seed: settings.seed,
    sandbox: { seed: settings.seed, ...(settings.createRateLimit ? { createRateLimit: settings.createRateLimit } : {}) },
  });
  try {
    const plan: CampaignPlan = planCampaign({
      seed: settings.seed,
      requests: settings.requests,
      duplicateShare: settings.duplicateShare,
      requestFaults: settings.requestFaults ?? true,
      accountId: pipeline.accountId,
      markers,
    });
    const extra = settings.extra?.({ accountId: pipeline.accountId, markers }) ?? { messages: [], secrets: {} };
    for (const [name, value] of Object.entries({ ...plan.secrets, ...extra.secrets })) pipeline.aws.setSecret(name, value);
    for (const seeded of [...plan.seeded, ...(extra.seeded ?? [])]) pipeline.sandbox.seedConnection(seeded);
    pipeline.sandbox.injectFault({ path: new RegExp(`^/v1/groups/${OUTAGE_GROUP}/`), kind: 'status', status: 503, times: Infinity });
    pipeline.sandbox.setRandomFaults({
      seed: settings.seed,
      longRetryAfterSeconds: settings.longRetryAfterSeconds,
      probabilities: settings.faults,
    });

    // The extra messages go in evenly among the campaign's, so they share batches with valid requests.
    const order: Array<{ message: SentMessage; extraIndex?: number }> = plan.messages.map((message) => ({ message }));
    extra.messages.forEach((message, index) => {
      const at = Math.floor(((index + 0.5) * order.length) / extra.messages.length);
      order.splice(at, 0, { message, extraIndex: index });
    });
    const started = Date.now();
    const ids = await pipeline.send(order.map(({ message }) => message));
    const messageIds: string[] = [];
    const extraIds: string[] = [];
    for (const [position, { extraIndex }] of order.entries()) {
      if (extraIndex === undefined) messageIds.push(ids[position]!);
      else extraIds[extraIndex] = ids[position]!;
    }

    pipeline.startPollers();
    const drained = await pipeline.waitUntilDrained(settings.drainTimeoutMs);
    const wallMs = Date.now() - started;
    const deadLetters = await pipeline.readDeadLetters();
    return {
      pipeline,
      extraIds,
      deadLetters,
      markers,
      apiKey,
      run: {
        plan,
        messageIds,
        events: pipeline.events(),
        deadLetters: deadLetters.filter((letter) => !extraIds.includes(letter.originalMessageId ?? letter.messageId)),
        deliveries: pipeline.deliveries.filter((delivery) => !extraIds.includes(delivery.originalMessageId ?? delivery.messageId)),
        overlappingDeliveries: pipeline.overlappingDeliveries,
        calls: pipeline.sandbox.calls,
        connections: pipeline.sandbox.connections(),
        contractViolations: pipeline.sandbox.contractViolations.length,
        batchErrors: pipeline.batchErrors.length,
        handBacks: handBacksOf(pipeline.logLines),
        drained,
        config: pipeline.config,
        wallMs,
      },
    };
  } catch (error) {
    await pipeline.stop();
    throw error;
  }
}

/**
 * Why records went back to the queue, from the handlers' WARN lines: the rate
 * gate refusing to start a call (a Retry-After longer than the invocation has
 * left), or the code of the fault that outlived the delivery's tries.
 */
function handBacksOf(logLines: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of logLines) {
    let entry: { message?: string; errorCode?: string; reason?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (entry.message !== 'Transient fault; the record goes back to the queue') continue;
    const why = entry.reason?.startsWith('Fivetran asked to wait longer')
      ? 'waiting out a Retry-After longer than the invocation'
      : String(entry.errorCode);
    counts[why] = (counts[why] ?? 0) + 1;
  }
  return counts;
}
