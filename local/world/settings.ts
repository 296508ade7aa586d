import { type BackfillConfig, type ProvisionerConfig, readSettings } from '../../shared/runtime/settings';
import { API_KEY_SECRET_ID, CREDENTIALS_PREFIX } from './fixtures';

/**
 * The one place the test world takes the functions' settings from: what a
 * Lambda configuration would hold in the world, before a test's own
 * variables. When the settings table lands, these read their defaults from it.
 */
export const WORLD_REGION = 'eu-west-1';
export const WORLD_EVENT_BUS = 'provisioner-bus';

export function provisionSettings(fivetranUrl: string, env: Record<string, string> = {}): ProvisionerConfig {
  return readSettings('provision', {
    FIVETRAN_API_URL: fivetranUrl,
    FIVETRAN_API_SECRET_ID: API_KEY_SECRET_ID,
    CREDENTIALS_SECRET_PREFIX: CREDENTIALS_PREFIX,
    EVENT_BUS_NAME: WORLD_EVENT_BUS,
    MAX_RECEIVE_COUNT: '3',
    ...env,
  });
}

export function backfillSettings(fivetranUrl: string, queueUrl: string, env: Record<string, string> = {}): BackfillConfig {
  return readSettings('backfill', {
    FIVETRAN_API_URL: fivetranUrl,
    FIVETRAN_API_SECRET_ID: API_KEY_SECRET_ID,
    PROVISIONING_QUEUE_URL: queueUrl,
    EVENT_BUS_NAME: WORLD_EVENT_BUS,
    FIVETRAN_REQUEST_TIMEOUT_MS: '2000',
    // The function reads its endpoints through its settings; the world set them for the SDK.
    ...(process.env.AWS_ENDPOINT_URL ? { AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL } : {}),
    ...(process.env.AWS_ENDPOINT_URL_S3 ? { AWS_ENDPOINT_URL_S3: process.env.AWS_ENDPOINT_URL_S3 } : {}),
    ...env,
  });
}
