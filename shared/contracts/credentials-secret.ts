import * as z from 'zod/mini';
import '../runtime/zod-setup';
import type { GitlabConnection } from './request';

/**
 * The GitLab credentials secret: a JSON object holding only these keys. A
 * value that is not JSON, or holds any other key, is refused as a whole so a
 * typo never turns into a half-configured connection.
 */
const credential = z.optional(z.string().check(z.minLength(1)));
export const gitlabCredentialsSchema = z.strictObject({
  personal_access_token: credential,
  client_certificate: credential,
  client_private_key: credential,
  access_token: credential,
  refresh_token: credential,
  client_id: credential,
  client_secret: credential,
});
export type GitlabCredentials = z.infer<typeof gitlabCredentialsSchema>;

/**
 * The key under which AWS's managed GitLab token rotation stores the personal
 * access token (beside `tokenId`, `gitlabUrl` and others of its own): such a
 * secret is read as `{ personal_access_token: token }`, its other keys ignored.
 */
export const MANAGED_ROTATION_TOKEN_KEY = 'token';

/** The body sent to Fivetran: the request's connection with the credentials merged in. */
type ConfigSecretKey = 'personal_access_token' | 'client_certificate' | 'client_private_key';
export type CreateConnectionBody = Omit<GitlabConnection, 'config' | 'auth'> & {
  config: Omit<GitlabConnection['config'], ConfigSecretKey> & Pick<GitlabCredentials, ConfigSecretKey>;
  auth?: {
    access_token?: string | undefined;
    refresh_token?: string | undefined;
    client_access?: { client_id?: string | undefined; client_secret?: string | undefined } | undefined;
  };
};
