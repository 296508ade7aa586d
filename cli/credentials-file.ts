import { gitlabCredentialsSchema, MANAGED_ROTATION_TOKEN_KEY } from '../shared/contracts/credentials-secret';

/** Secrets Manager's largest SecretString. */
export const MAX_SECRET_BYTES = 65_536;

const ALLOWED_KEYS = Object.keys(gitlabCredentialsSchema.shape);
/** Keys that only work together: a certificate without its key, or one OAuth token without the other, breaks the connection. */
const PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['client_certificate', 'client_private_key'],
  ['access_token', 'refresh_token'],
];

/**
 * Checks a credentials file before it becomes a secret's new version: a JSON
 * object in one of the shapes the worker reads (our keys, or AWS's managed
 * rotation format with `token`). Returns the problems, each naming a field
 * path or a count, never a value and never an unexpected key (a token pasted
 * as a key would be shown with it); none means the text may be stored as it is.
 *
 * @example credentialsFileProblems('{"personal_access_token": ""}') // ['personal_access_token must be a non-empty string']
 */
export function credentialsFileProblems(text: string): string[] {
  if (Buffer.byteLength(text, 'utf8') > MAX_SECRET_BYTES) return [`it is larger than ${MAX_SECRET_BYTES} bytes, the most a secret holds`];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the text around the fault, which would be the secret.
    return ['it is not JSON: a credentials file holds one JSON object'];
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return ['it must be a JSON object'];
  const record = json as Record<string, unknown>;
  const keys = Object.keys(record);

  if (keys.includes(MANAGED_ROTATION_TOKEN_KEY) && !keys.some((key) => ALLOWED_KEYS.includes(key))) {
    const token = record[MANAGED_ROTATION_TOKEN_KEY];
    return typeof token === 'string' && token.length > 0 ? [] : [`${MANAGED_ROTATION_TOKEN_KEY} must be a non-empty string`];
  }

  const problems: string[] = [];
  const unexpected = keys.filter((key) => !ALLOWED_KEYS.includes(key)).length;
  if (unexpected > 0) {
    problems.push(
      `${unexpected} unexpected key(s); allowed: ${ALLOWED_KEYS.join(', ')} (or ${MANAGED_ROTATION_TOKEN_KEY} with keys of its own, as AWS's managed rotation stores it)`,
    );
  }
  for (const key of ALLOWED_KEYS) {
    if (key in record && (typeof record[key] !== 'string' || record[key] === '')) problems.push(`${key} must be a non-empty string`);
  }
  if (keys.length === 0) problems.push('it holds no credential');
  for (const [one, other] of PAIRS) {
    if (one in record !== other in record) problems.push(`${one in record ? other : one} is missing: ${one} and ${other} go together`);
  }
  // client_secret without client_id is no fault of the file: the request may carry auth.client_access.client_id.
  return problems;
}
