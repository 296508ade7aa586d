import { DescribeSecretCommand, GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Deadline } from '../runtime/retry';
import { untilDeadline } from './aws-calls';

/** A secret's string as read, with the secret's friendly name and the version the string belongs to. */
export interface SecretRead {
  /** Undefined for a binary secret. */
  secretString: string | undefined;
  /** The friendly name (never the ARN), when Secrets Manager said it. */
  name: string | undefined;
  /** The version read, when Secrets Manager said it. */
  versionId: string | undefined;
}

/** Which version to read: by id, or by staging label (AWSCURRENT when neither is given). */
export interface SecretVersionSelector {
  versionId?: string;
  versionStage?: string;
}

/**
 * GetSecretValue: the secret's string with its name and version id, abandoned
 * at `deadline` (the SDK rejects with an AbortError, see isTimeUp). SDK errors
 * are thrown as they are; the caller knows whose fault each is.
 *
 * @example await readSecret(client, 'fivetran/api-key', deadline)
 * @example await readSecret(client, 'fivetran/gitlab/team/pat', deadline, { versionId: '5f0c…' })
 */
export async function readSecret(
  client: SecretsManagerClient,
  secretId: string,
  deadline?: Deadline,
  version: SecretVersionSelector = {},
): Promise<SecretRead> {
  const answer = await client.send(
    new GetSecretValueCommand({
      SecretId: secretId,
      ...(version.versionId === undefined ? {} : { VersionId: version.versionId }),
      ...(version.versionStage === undefined ? {} : { VersionStage: version.versionStage }),
    }),
    untilDeadline(deadline),
  );
  return { secretString: answer.SecretString, name: answer.Name, versionId: answer.VersionId };
}

/** What DescribeSecret says of a secret, without reading any value. */
export interface SecretDescription {
  name: string | undefined;
  /** The version that holds the staging label AWSCURRENT, if any. */
  currentVersionId: string | undefined;
}

/**
 * DescribeSecret, abandoned at `deadline`: the secret's name and which version
 * is current. Reads no secret value.
 *
 * @example (await describeSecret(client, 'fivetran/gitlab/team/pat', deadline)).currentVersionId
 */
export async function describeSecret(client: SecretsManagerClient, secretId: string, deadline?: Deadline): Promise<SecretDescription> {
  const answer = await client.send(new DescribeSecretCommand({ SecretId: secretId }), untilDeadline(deadline));
  const current = Object.entries(answer.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'));
  return { name: answer.Name, currentVersionId: current?.[0] };
}
