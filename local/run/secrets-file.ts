import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { fileErrorReason } from './file-error';
import { REPO_ROOT } from './settings';

/** The file `npm start` reads its stand-in secrets from, when the user made one. */
export const USER_SECRETS_FILE = 'local/secrets.json';
/** The committed file of fake values, used when there is no user file. */
export const EXAMPLE_SECRETS_FILE = 'local/secrets.example.json';

/** Thrown when the secrets file cannot be used; the message names the file and what to fix. */
export class SecretsFileError extends Error {
  override readonly name = 'SecretsFileError';
  readonly code = 'SECRETS_FILE_INVALID';
}

const secretsFileSchema = z.record(z.string(), z.union([z.string(), z.record(z.string(), z.unknown())]));

/** The file to read: the user's own when it exists, else the fake examples. */
export function defaultSecretsFile(root: string = REPO_ROOT): string {
  const own = join(root, USER_SECRETS_FILE);
  return existsSync(own) ? own : join(root, EXAMPLE_SECRETS_FILE);
}

/**
 * Reads secret name → value pairs for the Secrets Manager stand-in. An object
 * value is stored as its JSON text, the way a secret made in the console is;
 * keys starting with `$` are comments.
 */
export function loadSecretsFile(path: string): Record<string, string> {
  let json: unknown;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SecretsFileError(`Cannot read the secrets file ${path}: ${fileErrorReason(error)}`, { cause: error });
  }
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SecretsFileError(`The secrets file ${path} is not JSON: ${(error as Error).message}`);
  }
  const parsed = secretsFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new SecretsFileError(`The secrets file ${path} must be a JSON object of secret name → string or JSON object`);
  }
  return Object.fromEntries(
    Object.entries(parsed.data)
      .filter(([name]) => !name.startsWith('$'))
      .map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]),
  );
}
