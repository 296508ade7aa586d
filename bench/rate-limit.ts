import { benchRequest } from '../local/world/fixtures';
import { createQueues, DEPLOYED, sendAll, startBenchServices, startWorker } from './support/pipeline';
import type { BenchmarkResult } from './support/report';
import { round } from './support/stats';

/** Fivetran's 20 creations a minute, scaled down in time: 10 per 10 s. */
const LIMIT = 10;
const WINDOW_MS = 10_000;
/** A short backlog, and a longer one in which the waits repeat for many windows. */
const VARIANTS = [30, 300];

interface RunFigures {
  requests: number;
  totalMs: number;
  idealMs: number;
  created: number;
  calls: number;
  creates: number;
  rateLimited: number;
}

/** Sends `requests` at once and waits until each has its event. */
async function runLimited(requests: number): Promise<RunFigures> {
  const services = await startBenchServices({ createRateLimit: { limit: LIMIT, windowMs: WINDOW_MS } });
  const { sqs } = services;
  try {
    const queue = await createQueues(sqs, `bench-rate-limit-${requests}`);
    await sendAll(
      sqs,
      queue.queueUrl,
      Array.from({ length: requests }, (_, i) => benchRequest(`limited_${i}`)),
    );
    const started = Date.now();
    const worker = startWorker(services.addresses, sqs, queue);
    let stats = await services.stats();
    while (stats.events < requests) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      stats = await services.stats();
    }
    await worker.stop();
    return {
      requests,
      totalMs: stats.lastEventAt - started,
      idealMs: (Math.ceil(requests / LIMIT) - 1) * WINDOW_MS,
      created: stats.created,
      calls: stats.calls,
      creates: stats.creates,
      rateLimited: stats.rateLimited,
    };
  } finally {
    await services.stop();
  }
}

/**
 * Target 5: requests through the pipeline while the sandbox allows LIMIT
 * creations per rolling WINDOW_MS, for each of VARIANTS. The ideal run creates
 * LIMIT at once and LIMIT more each time the window allows:
 * (requests / LIMIT - 1) windows.
 */
export async function rateLimitEfficiency(): Promise<BenchmarkResult> {
  const runs: RunFigures[] = [];
  for (const requests of VARIANTS) runs.push(await runLimited(requests));
  const details: Record<string, string | number> = { 'creation limit': `${LIMIT} per ${WINDOW_MS / 1000} s (rolling)` };
  let met = true;
  let worst = 0;
  for (const run of runs) {
    const timeRatio = run.totalMs / run.idealMs;
    const callsPerConnection = run.calls / Math.max(1, run.created);
    const holds = timeRatio <= 1.25 && callsPerConnection <= 1.5 && run.created === run.requests;
    met &&= holds;
    worst = Math.max(worst, timeRatio);
    details[`${run.requests} requests`] =
      `${run.created} created in ${round(run.totalMs / 1000, 2)} s vs ideal ${run.idealMs / 1000} s (${round(timeRatio)}); ` +
      `${run.calls} Fivetran calls, ${run.creates} creates, ${run.rateLimited} answered 429; ${round(callsPerConnection)} calls per connection` +
      (holds ? '' : ' — target missed');
  }
  return {
    id: 'rate-limit',
    title: 'Rate-limit efficiency',
    figure: {
      name: 'worst total time ÷ ideal time; calls per created connection',
      value: round(worst),
      target: '≤ 1.25 with ≤ 1.5 calls per connection',
      met,
    },
    details: { ...details, 'batch size / records at once': `${DEPLOYED.batchSize} / ${DEPLOYED.recordConcurrency}` },
    notes: [
      'After the first 429 every call of the container waits for its Retry-After, and creates then go one at a time, so each window costs about one refused create instead of one per record in flight.',
      'Retry-After is in whole seconds, so each wait can overshoot the moment a slot frees by up to a second.',
    ],
  };
}
