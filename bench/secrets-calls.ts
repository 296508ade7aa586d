import {
  API_KEY_SECRET_ID as BENCH_API_SECRET_ID,
  GROUP_CREDENTIALS as BENCH_CREDENTIALS,
  CREDENTIALS_PREFIX as BENCH_PREFIX,
  benchRequest,
} from '../local/world/fixtures';
import { benchHandler, startLocalServices } from './support/invoke';
import type { BenchmarkResult } from './support/report';
import { round } from './support/stats';

const DISTINCT_SECRETS = 5;
const RECORDS = 100;
const BATCHES = 10;
const TTL_SECONDS = 300;

/**
 * Target 2: 100 records naming 5 credentials secrets, in 10 batches through
 * one warm container: Secrets Manager calls per distinct secret. Then the
 * clock moves past the cache period, and the count must rise.
 */
export async function secretsCalls(): Promise<BenchmarkResult> {
  const secretNames = Array.from({ length: DISTINCT_SECRETS }, (_, i) => `${BENCH_CREDENTIALS}team-${i}`);
  const services = await startLocalServices(
    Object.fromEntries(secretNames.map((name) => [name, { personal_access_token: `bench-token-${name}-not-real` }])),
  );
  try {
    let offsetMs = 0;
    const invoke = benchHandler(
      { ...services.workerEnv, SECRETS_CACHE_TTL_SECONDS: String(TTL_SECONDS) },
      { now: () => Date.now() + offsetMs },
    );
    const perBatch = RECORDS / BATCHES;
    for (let batch = 0; batch < BATCHES; batch += 1) {
      await invoke(
        Array.from({ length: perBatch }, (_, i) => {
          const n = batch * perBatch + i;
          return benchRequest(`secrets_${n}`, secretNames[n % DISTINCT_SECRETS]);
        }),
      );
    }
    const credentialReads = () => services.aws.secretReads.filter((id) => id.startsWith(BENCH_PREFIX)).length;
    const apiKeyReads = () => services.aws.secretReads.filter((id) => id === BENCH_API_SECRET_ID).length;
    const withinPeriod = credentialReads();
    const apiKeyWithinPeriod = apiKeyReads();
    offsetMs = (TTL_SECONDS + 1) * 1000;
    await invoke(secretNames.map((name, i) => benchRequest(`after_ttl_${i}`, name)));
    const afterPeriod = credentialReads();
    const ratio = withinPeriod / DISTINCT_SECRETS;
    return {
      id: 'secrets-calls',
      title: 'Secrets Manager calls',
      figure: { name: 'credential reads ÷ distinct secrets (one cache period)', value: round(ratio), target: '1.0', met: ratio === 1 },
      details: {
        records: RECORDS,
        batches: BATCHES,
        'distinct credentials secrets': DISTINCT_SECRETS,
        'credential reads within the period': withinPeriod,
        'API key reads within the period': apiKeyWithinPeriod,
        'credential reads after the period expired (one more batch)': afterPeriod,
        'API key reads after the period expired': apiKeyReads(),
      },
      notes: [
        `Every secret is read once per container per cache period (${TTL_SECONDS} s), however many records name it; concurrent records share one read.`,
        `Past the period the next batch reads each secret again (${withinPeriod} → ${afterPeriod}), so a rotation is picked up.`,
      ],
    };
  } finally {
    await services.close();
  }
}
