import { benchRequest } from '../local/world/fixtures';
import { createQueues, DEPLOYED, sendAll, startBenchServices, startWorker } from './support/pipeline';
import type { BenchmarkResult } from './support/report';
import { round } from './support/stats';

/** Fivetran's 20 creations a minute, scaled down in time: 10 per 10 s. */
const LIMIT = 10;
const WINDOW_MS = 10_000;
const REQUESTS = 30;

/**
 * Target 5: requests through the pipeline while the sandbox allows LIMIT
 * creations per rolling WINDOW_MS. The ideal run creates LIMIT at once and
 * LIMIT more each time the window allows: (REQUESTS / LIMIT - 1) windows.
 */
export async function rateLimitEfficiency(): Promise<BenchmarkResult> {
  const services = await startBenchServices({ createRateLimit: { limit: LIMIT, windowMs: WINDOW_MS } });
  const { sqs } = services;
  try {
    const queue = await createQueues(sqs, 'bench-rate-limit');
    await sendAll(
      sqs,
      queue.queueUrl,
      Array.from({ length: REQUESTS }, (_, i) => benchRequest(`limited_${i}`)),
    );
    const started = Date.now();
    const worker = startWorker(services.addresses, sqs, queue);
    let stats = await services.stats();
    while (stats.events < REQUESTS) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      stats = await services.stats();
    }
    await worker.stop();
    const totalMs = stats.lastEventAt - started;
    const idealMs = (Math.ceil(REQUESTS / LIMIT) - 1) * WINDOW_MS;
    const timeRatio = totalMs / idealMs;
    const callsPerConnection = stats.calls / stats.created;
    return {
      id: 'rate-limit',
      title: 'Rate-limit efficiency',
      figure: {
        name: 'total time ÷ ideal time; calls per created connection',
        value: round(timeRatio),
        target: '≤ 1.25 with ≤ 1.5 calls per connection',
        met: timeRatio <= 1.25 && callsPerConnection <= 1.5 && stats.created === REQUESTS,
      },
      details: {
        'creation limit': `${LIMIT} per ${WINDOW_MS / 1000} s (rolling)`,
        requests: REQUESTS,
        'connections created': stats.created,
        'ideal time (s)': idealMs / 1000,
        'total time (s)': round(totalMs / 1000, 2),
        'time ratio': round(timeRatio),
        'Fivetran calls': stats.calls,
        'create calls': stats.creates,
        'answered 429': stats.rateLimited,
        'calls per created connection': round(callsPerConnection),
        'batch size / records at once': `${DEPLOYED.batchSize} / ${DEPLOYED.recordConcurrency}`,
      },
      notes: [
        'After the first 429 every call of the container waits for its Retry-After, and creates then go one at a time, so each window costs about one refused create instead of one per record in flight.',
        'Retry-After is in whole seconds, so each wait can overshoot the moment a slot frees by up to a second.',
      ],
    };
  } finally {
    await services.stop();
  }
}
