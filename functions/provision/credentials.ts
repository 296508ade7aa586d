import '../../shared/runtime/zod-setup';
import {
  type CreateConnectionBody,
  type GitlabCredentials,
  gitlabCredentialsSchema,
  MANAGED_ROTATION_TOKEN_KEY,
} from '../../shared/contracts/credentials-secret';
import type { GitlabConnection } from '../../shared/contracts/request';
import { ProvisioningError } from '../../shared/runtime/errors';
import { FRAGMENT_LENGTH } from '../../shared/runtime/redact';

export { type CreateConnectionBody, type GitlabCredentials, gitlabCredentialsSchema };

/**
 * Reads a credentials secret's string. The message names the secret, the
 * known keys that are wrong and how many keys are unexpected, never a value
 * and never an unexpected key's name: a token pasted as a key would be
 * published with it. The secret's contents travel with the error, for the
 * record's redactor only.
 */
export function parseCredentialsSecret(secretId: string, secretString: string | undefined): GitlabCredentials {
  return readCredentialsSecret(secretId, secretString).credentials;
}

/** The credentials, and how many keys of a managed rotation secret were ignored (counted, never named: a key may be anything). */
export interface CredentialsRead {
  credentials: GitlabCredentials;
  ignoredKeys: number;
}

/**
 * As parseCredentialsSecret, also accepting the format of AWS's managed GitLab
 * token rotation: a JSON object with `token` (the personal access token) and
 * keys of its own, which are ignored. Such a secret must not also hold one of
 * our keys: which token would be meant is not clear, so it is refused.
 */
export function readCredentialsSecret(secretId: string, secretString: string | undefined): CredentialsRead {
  if (secretString === undefined) {
    throw new ProvisioningError('CREDENTIALS_INVALID', `Credentials secret ${secretId} has no string value; store a JSON object`);
  }
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    throw new ProvisioningError('CREDENTIALS_INVALID', `Credentials secret ${secretId} is not JSON; store a JSON object`, {
      secretValues: [secretString],
    });
  }
  const managed = fromManagedRotationFormat(json);
  if (managed !== undefined) {
    const parsedToken = gitlabCredentialsSchema.safeParse(managed.credentials);
    if (parsedToken.success) return { credentials: parsedToken.data, ignoredKeys: managed.ignoredKeys };
    throw new ProvisioningError(
      'CREDENTIALS_INVALID',
      `Credentials secret ${secretId} is in the managed rotation format, but its ${MANAGED_ROTATION_TOKEN_KEY} is not a non-empty string`,
      { secretValues: stringsIn(json, new Set()) },
    );
  }
  const parsed = gitlabCredentialsSchema.safeParse(json);
  if (!parsed.success) {
    const allowedKeys = Object.keys(gitlabCredentialsSchema.shape);
    const problems = parsed.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') return `${issue.keys.length} unexpected key(s)`;
      const key = issue.path[0];
      return typeof key === 'string' && allowedKeys.includes(key) ? `${key} must be a non-empty string` : 'the value must be a JSON object';
    });
    throw new ProvisioningError(
      'CREDENTIALS_INVALID',
      `Credentials secret ${secretId} is not valid: ${problems.join('; ')}. Allowed keys: ${allowedKeys.join(', ')} (or ${MANAGED_ROTATION_TOKEN_KEY} alone, as AWS's managed rotation stores it)`,
      { secretValues: stringsIn(json, new Set(allowedKeys)) },
    );
  }
  return { credentials: parsed.data, ignoredKeys: 0 };
}

/** `{ token, … }` with none of our keys: the personal access token, and the count of the other keys. */
function fromManagedRotationFormat(json: unknown): { credentials: Record<string, unknown>; ignoredKeys: number } | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !(MANAGED_ROTATION_TOKEN_KEY in json)) return undefined;
  const keys = Object.keys(json);
  const ours = new Set(Object.keys(gitlabCredentialsSchema.shape));
  if (keys.some((key) => ours.has(key))) return undefined;
  const token = (json as Record<string, unknown>)[MANAGED_ROTATION_TOKEN_KEY];
  return { credentials: { personal_access_token: token }, ignoredKeys: keys.length - 1 };
}

/**
 * Every string value in a JSON value, and every unexpected object key long
 * enough to be a pasted token. (Not the JSON text itself: its runs hold the
 * allowed key names, which messages must be able to say.)
 */
function stringsIn(json: unknown, allowedKeys: ReadonlySet<string>, depth = 0): string[] {
  if (typeof json === 'string') return [json];
  if (typeof json !== 'object' || json === null || depth > 8) return [];
  if (Array.isArray(json)) return json.flatMap((item) => stringsIn(item, allowedKeys, depth + 1));
  return Object.entries(json).flatMap(([key, value]) => [
    ...(allowedKeys.has(key) || key.length < FRAGMENT_LENGTH ? [] : [key]),
    ...stringsIn(value, allowedKeys, depth + 1),
  ]);
}

/**
 * Merges the credentials into the request's connection, the way Fivetran's
 * create body carries them, and checks that what the connection's
 * authorization method needs is there.
 */
export function buildCreateBody(
  connection: GitlabConnection,
  credentials: GitlabCredentials,
  secretId: string | undefined,
): CreateConnectionBody {
  assertCredentialsFit(connection, credentials, secretId);
  const { personal_access_token, client_certificate, client_private_key, access_token, refresh_token, client_id, client_secret } =
    credentials;
  const config = {
    ...connection.config,
    ...defined({ personal_access_token, client_certificate, client_private_key }),
  };
  const clientAccess = { ...connection.auth?.client_access, ...defined({ client_id, client_secret }) };
  const auth = {
    ...connection.auth,
    ...defined({ access_token, refresh_token }),
    ...(Object.keys(clientAccess).length > 0 ? { client_access: clientAccess } : {}),
  };
  const { auth: _requestAuth, config: _requestConfig, ...rest } = connection;
  // Fivetran's connect-card guide: a connection created without credentials must not run setup tests,
  // whose default is true; the request contract refuses an explicit true.
  const setupTests =
    connection.connect_card_config !== undefined && connection.run_setup_tests === undefined ? { run_setup_tests: false } : {};
  return { ...rest, ...setupTests, config, ...(Object.keys(auth).length > 0 ? { auth } : {}) };
}

function assertCredentialsFit(connection: GitlabConnection, credentials: GitlabCredentials, secretId: string | undefined): void {
  // A connect card collects the credentials from the end user; nothing is required up front.
  if (connection.connect_card_config !== undefined) return;
  const missing: string[] = [];
  if (connection.config.auth === 'personal_access_token' && !credentials.personal_access_token) {
    missing.push('personal_access_token (config.auth is "personal_access_token")');
  }
  if (connection.config.auth === 'oauth_2') {
    if (!credentials.access_token) missing.push('access_token (config.auth is "oauth_2")');
    if (!credentials.refresh_token) missing.push('refresh_token (config.auth is "oauth_2")');
  }
  if (connection.config.enable_mtls_connection === 'true') {
    if (!credentials.client_certificate) missing.push('client_certificate (enable_mtls_connection is "true")');
    if (!credentials.client_private_key) missing.push('client_private_key (enable_mtls_connection is "true")');
  }
  const clientId = credentials.client_id ?? connection.auth?.client_access?.client_id;
  if (credentials.client_secret !== undefined && clientId === undefined) missing.push('client_id (client_secret is set)');
  if (clientId !== undefined && credentials.client_secret === undefined) missing.push('client_secret (client_id is set)');
  if (Object.keys(credentials).length === 0) missing.push('at least one credential');
  if (missing.length > 0) {
    throw new ProvisioningError('CREDENTIALS_INVALID', `Credentials secret ${secretId ?? '(none)'} lacks ${missing.join(', ')}`);
  }
}

function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** Every secret value a credentials object holds, for redaction. */
export function secretValuesOf(credentials: GitlabCredentials): string[] {
  const { client_id: _notSecret, ...secrets } = credentials;
  return Object.values(secrets).filter((value): value is string => typeof value === 'string' && value.length > 0);
}
