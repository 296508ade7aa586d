import {
  DEPLOYED_BATCH_SIZE,
  DEPLOYED_FUNCTION_TIMEOUT_SECONDS,
  DEPLOYED_MAX_RECEIVE_COUNT,
  DEPLOYED_VISIBILITY_TIMEOUT_SECONDS,
} from '../../local/run/settings';
import { provisionSettings } from '../../local/world/settings';
import { defaultsFor, type ProvisionerConfig } from '../../shared/runtime/settings';

/** The deployed stack's defaults (the settings table's), so the benchmarks measure what runs on AWS. */
export const DEPLOYED = {
  batchSize: DEPLOYED_BATCH_SIZE,
  recordConcurrency: defaultsFor('local').recordConcurrency!,
  functionTimeoutMs: DEPLOYED_FUNCTION_TIMEOUT_SECONDS * 1000,
  visibilityTimeoutSeconds: DEPLOYED_VISIBILITY_TIMEOUT_SECONDS,
  maxReceiveCount: DEPLOYED_MAX_RECEIVE_COUNT,
};

/** The worker's settings in the world, with the deployed knobs, under the benchmark's own variables. */
export function deployedSettings(fivetranUrl: string, env: Record<string, string> = {}): ProvisionerConfig {
  return provisionSettings(fivetranUrl, {
    RECORD_CONCURRENCY: String(DEPLOYED.recordConcurrency),
    MAX_RECEIVE_COUNT: String(DEPLOYED.maxReceiveCount),
    ...env,
  });
}
