import type { ConnectionPatch } from '../../../shared/fivetran/client';
import type { FivetranConnection } from '../../../shared/fivetran/schemas';
import { ProvisioningError } from '../../../shared/runtime/errors';
import { type GitlabCredentials, secretValuesOf } from '../credentials';
import { setupTestsOf } from '../event-texts';
import { type Action, type LifecycleContext, targetFacts } from './context';
import { credentialsAppliedEvent } from './events';
import { callConnection } from './fivetran-calls';
import { assertLive } from './resolve-target';

/**
 * The PATCH body that re-applies credentials: only the secret keys the secret
 * holds, where Fivetran's update takes them, and `run_setup_tests: true`.
 * Nothing else is sent, so no other setting can be changed by a rotation.
 */
export function credentialsPatch(credentials: GitlabCredentials): ConnectionPatch {
  const { personal_access_token, client_certificate, client_private_key, access_token, refresh_token, client_secret } = credentials;
  const config = defined({ personal_access_token, client_certificate, client_private_key });
  const auth = {
    ...defined({ access_token, refresh_token }),
    ...(client_secret === undefined ? {} : { client_access: { client_secret } }),
  };
  return {
    ...(Object.keys(config).length > 0 ? { config } : {}),
    ...(Object.keys(auth).length > 0 ? { auth } : {}),
    run_setup_tests: true,
  };
}

const FAILED = new Set(['FAILED', 'JOB_FAILED']);

/**
 * `reapply_credentials`: reads the named version of the connection's secret
 * (or its AWSCURRENT), bypassing the cache, and applies it unless it is stale
 * (not the current version) or already applied, in which case nothing is
 * called and nothing published. Setup tests must all pass for the ledger to
 * advance; a failure is SETUP_TESTS_FAILED (the connection is broken until
 * someone acts).
 */
export const applyCredentials: Action = async (ctx, entry) => {
  assertLive(entry);
  const { request } = ctx;
  if (request.action !== 'reapply_credentials') throw new Error('applyCredentials takes reapply_credentials requests');
  const secretName = entry.secretName;
  if (secretName === undefined) {
    throw new ProvisioningError(
      'CREDENTIALS_NOT_FOUND',
      `Connection ${entry.connectionId} has no credentials secret (made with a Connect Card); its owner re-authorizes it in Fivetran`,
    );
  }
  const { currentVersionId } = await ctx.credentials.current(secretName, { deadline: ctx.deadline });
  if (currentVersionId === undefined) {
    throw new ProvisioningError('CREDENTIALS_NOT_FOUND', `Credentials secret ${secretName} has no AWSCURRENT version; put a value in it`);
  }
  const versionId = request.secretVersionId ?? currentVersionId;
  if (versionId !== currentVersionId || entry.appliedVersionId === versionId) {
    ctx.count('CredentialsAlreadyCurrent');
    ctx.logger.info('Credentials not applied: the version is not the current one, or is applied already', {
      connectionId: entry.connectionId,
      secretName,
      versionId,
      currentVersionId,
      appliedVersionId: entry.appliedVersionId,
    });
    return { event: undefined };
  }
  const read = await ctx.credentials.getVersion(secretName, versionId, { deadline: ctx.deadline });
  ctx.redactor.add(...secretValuesOf(read.credentials));
  const patch = credentialsPatch(read.credentials);
  if (patch.config === undefined && patch.auth === undefined) {
    throw new ProvisioningError(
      'CREDENTIALS_INVALID',
      `Credentials secret ${secretName} (version ${versionId}) holds no credential to apply`,
    );
  }
  const client = await ctx.fivetran();
  const options = { deadline: ctx.deadline };
  let connection: FivetranConnection = await callConnection(
    'update',
    (timeoutMs) => client.updateConnection(entry.connectionId, patch, { timeoutMs, ...options }),
    ctx.calls,
    ctx.attempts,
    true,
  );
  if ((connection.setup_tests ?? []).length === 0) {
    connection = await callConnection(
      'setup-tests',
      (timeoutMs) => client.runSetupTests(entry.connectionId, {}, { timeoutMs, ...options }),
      ctx.calls,
      ctx.attempts,
    );
  }
  const setupTests = setupTestsOf(connection.setup_tests, ctx.redactor);
  const failed = setupTests.filter((test) => FAILED.has(test.status));
  if (failed.length > 0 || setupTests.length === 0) {
    ctx.failedSetupTests = setupTests;
    ctx.count('CredentialsSetupTestsFailed');
    throw new ProvisioningError(
      'SETUP_TESTS_FAILED',
      failed.length > 0
        ? `Fivetran's setup tests failed with version ${versionId} of ${secretName} (${failed.map((test) => test.title).join(', ')}); the connection cannot sync until the secret holds working credentials`
        : `Fivetran ran no setup tests with version ${versionId} of ${secretName}; the credentials are not known to work`,
    );
  }
  const previousVersionId = entry.appliedVersionId;
  await recordApplied(ctx, entry.connectionId, { secretName, versionId, previousVersionId });
  ctx.count('CredentialsApplied');
  ctx.logger.info('Credentials applied', { connectionId: entry.connectionId, secretName, versionId, previousVersionId });
  const trigger = request.trigger ?? 'request';
  const setupState = connection.status?.setup_state;
  return {
    event: credentialsAppliedEvent(
      targetFacts(ctx, entry),
      { secretName, previousVersionId, versionId, trigger, setupTests, setupState },
      ctx.redactor,
    ),
    outcome: 'applied',
  };
};

/**
 * Records the applied version, on condition that the ledger still holds the
 * one this run started from. When another run recorded a version while this
 * one's PATCH was in flight, nobody knows which PATCH Fivetran applied last:
 * unless both applied the same version, the ledger forgets its applied
 * version (so the connection reads as behind, and no replay stands in for a
 * new PATCH) and the request goes back to the queue to be applied again if
 * it is still current. An extra PATCH in a rare race, never a ledger that
 * claims credentials Fivetran may not hold.
 */
async function recordApplied(
  ctx: LifecycleContext,
  connectionId: string,
  applied: { secretName: string; versionId: string; previousVersionId: string | undefined },
): Promise<void> {
  const options = { deadline: ctx.deadline };
  if (await ctx.ledger.recordCredentialsApplied(connectionId, applied, options)) return;
  const recordedMeanwhile = (await ctx.ledger.getConnection(connectionId, options))?.appliedVersionId;
  if (recordedMeanwhile === applied.versionId) return;
  const forgotten =
    recordedMeanwhile !== undefined && (await ctx.ledger.forgetCredentialsApplied(connectionId, recordedMeanwhile, options));
  ctx.logger.warn('Another run applied other credentials to the connection at the same time; the ledger forgets which version is applied', {
    connectionId,
    versionId: applied.versionId,
    recordedMeanwhile,
    forgotten,
  });
  throw new ProvisioningError(
    'CREDENTIALS_APPLY_RACED',
    `Version ${applied.versionId} of ${applied.secretName} was applied while another run applied ${recordedMeanwhile ?? 'another version'}; will try again`,
  );
}

function defined<T extends Record<string, string | undefined>>(values: T): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
