import { GROUP_CREDENTIALS as BENCH_CREDENTIALS, benchRequest } from '../local/world/fixtures';
import { inFlightCountingFetch } from '../local/world/in-flight-fetch';
import { benchHandler, startLocalServices } from './support/invoke';
import type { BenchmarkResult } from './support/report';
import { median, round, timed } from './support/stats';

const CREATE_LATENCY_MS = 200;
const RUNS = 5;
const BATCH = 10;

/**
 * Target 1: a batch of ten distinct requests against a Fivetran that takes
 * 200 ms per create, timed against one request alone. A handler that works
 * through its records one by one scores about ten.
 */
export async function batchConcurrency(): Promise<BenchmarkResult> {
  const services = await startLocalServices({ [`${BENCH_CREDENTIALS}team`]: { personal_access_token: 'bench-token-not-real' } });
  try {
    services.sandbox.setCreateLatency(CREATE_LATENCY_MS);
    const fivetranCalls = inFlightCountingFetch();
    // What is measured is whether a batch's records run at once, so the worker gets a slot per record; deployed,
    // the stack sets batchSize and recordConcurrency to the same number (docs/settings.md).
    const invoke = benchHandler({ ...services.workerEnv, RECORD_CONCURRENCY: String(BATCH) }, { fetch: fivetranCalls.fetch });
    await invoke([benchRequest('warm_up')]); // container and secrets warm, as in a warm Lambda

    const single: number[] = [];
    const batch: number[] = [];
    const sameSchema: number[] = [];
    let sameSchemaCreates = 0;
    let sameSchemaMaxInFlight = 0;
    for (let run = 0; run < RUNS; run += 1) {
      single.push((await timed(() => invoke([benchRequest(`single_${run}`)]))).ms);
      batch.push((await timed(() => invoke(Array.from({ length: BATCH }, (_, i) => benchRequest(`batch_${run}_${i}`))))).ms);
      const createsBefore = services.sandbox.calls.filter((call) => call.method === 'POST').length;
      fivetranCalls.resetMax();
      sameSchema.push((await timed(() => invoke(Array.from({ length: BATCH }, () => benchRequest(`same_${run}`))))).ms);
      sameSchemaCreates += services.sandbox.calls.filter((call) => call.method === 'POST').length - createsBefore;
      sameSchemaMaxInFlight = Math.max(sameSchemaMaxInFlight, fivetranCalls.maxInFlight);
    }
    const ratio = median(batch) / median(single);
    const sameRatio = median(sameSchema) / median(single);
    return {
      id: 'batch-concurrency',
      title: 'Batch concurrency',
      figure: { name: 'batch of 10 ÷ one request (wall time)', value: round(ratio), target: '≤ 1.5', met: ratio <= 1.5 },
      details: {
        'create latency (ms)': CREATE_LATENCY_MS,
        RECORD_CONCURRENCY: BATCH,
        'one request, median of 5 (ms)': round(median(single), 1),
        'batch of 10 distinct, median of 5 (ms)': round(median(batch), 1),
        'batch of 10, one schema, median of 5 (ms)': round(median(sameSchema), 1),
        'one schema ÷ one request': round(sameRatio),
        'creates for 10 records of one schema (per batch)': sameSchemaCreates / RUNS,
        'most Fivetran calls in flight, one-schema batches': sameSchemaMaxInFlight,
      },
      notes: [
        'Distinct schemas run concurrently (up to RECORD_CONCURRENCY), so a batch costs about one create, not ten.',
        `Ten records of one schema stay serialized: each runs after the one before it, so one creates and nine find its connection (${sameSchemaCreates / RUNS} create per batch, at most ${sameSchemaMaxInFlight} call in flight). They cost little because the nine find the connection in the batch's group listing without another call.`,
      ],
    };
  } finally {
    await services.close();
  }
}
