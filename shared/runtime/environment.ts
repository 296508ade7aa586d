import * as z from 'zod/mini';
import { ConfigurationError } from './errors';
import './zod-setup';

/**
 * Reading a function's settings from its environment: the rules several
 * functions share, and the one way they fail (naming each bad variable).
 */

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const POSITIVE_WHOLE = 'must be a positive whole number';

/**
 * Fivetran's base URL. HTTPS only, except on loopback where the local sandbox
 * answers: the API key travels in every request's Authorization header.
 */
export const fivetranApiUrlSetting = z._default(
  z.pipe(
    z.url({ error: 'must be an absolute URL such as https://api.fivetran.com' }).check(
      // Checks run even when the value is not a URL; those report nothing more than the message above.
      z.refine(
        (value) => {
          const url = parsedUrl(value);
          return url === undefined || url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
        },
        { error: 'must use https:// (plain http:// is allowed only on loopback)' },
      ),
      // Paths are the client's: with https://api.fivetran.com/v1 every call would go to /v1/v1/... and
      // answer 404, which would read as "no such group" for every request.
      z.refine(
        (value) => {
          const url = parsedUrl(value);
          return url === undefined || (url.pathname.replace(/\/+$/, '') === '' && url.search === '' && url.hash === '' && url.username === '' && url.password === '');
        },
        { error: 'must be the API host only, such as https://api.fivetran.com (no path like /v1, no query, no credentials)' },
      ),
    ),
    z.transform((value: string) => value.replace(/\/+$/, '')),
  ),
  'https://api.fivetran.com',
);

function parsedUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** The `source` of published events: EventBridge reserves `aws.` for AWS services. */
export const eventSourceSetting = z._default(
  z.string().check(z.regex(/^(?!aws\.)[A-Za-z0-9._/-]{1,256}$/, { error: 'must be 1 to 256 of A-Za-z0-9._/- and not start with aws.' })),
  'fivetran.provisioner',
);

/** A required, non-empty variable; `what` says what it holds. */
export const requiredSetting = (what: string) => z.string({ error: `is required: ${what}` }).check(z.minLength(1));

/** A whole number of at least 1 (and at most `max`), with a default. */
export const positiveIntSetting = (fallback: number, max = Number.MAX_SAFE_INTEGER) =>
  z._default(
    z.coerce.number({ error: POSITIVE_WHOLE }).check(
      z.refine((value: number) => Number.isInteger(value) && value > 0 && value <= max, {
        error: max === Number.MAX_SAFE_INTEGER ? POSITIVE_WHOLE : `must be a whole number from 1 to ${max}`,
      }),
    ),
    fallback,
  );

/**
 * Parses the environment with a schema of its variables. Empty variables count
 * as unset. A missing or malformed variable fails with its name in the
 * message, so a broken deployment says what to fix in its first log line.
 *
 * @example readEnvironment(z.object({ EVENT_BUS_NAME: requiredSetting('the bus name') }), process.env)
 */
export function readEnvironment<S extends z.ZodMiniType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ConfigurationError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}
