import * as z from 'zod/mini';
import './zod-setup';

/**
 * The kinds of value a setting can hold. Each builder returns the zod/mini
 * rule that parses the variable (its message is what a person reads after the
 * variable's or property's name), the range as the docs print it, and what
 * the CDK app needs to accept the value from context.
 */

export type RuleOf<T> = z.ZodMiniType<T, unknown>;
export type Rule<T> =
  | { readonly kind: 'number'; readonly min: number; readonly max: number; readonly range: string; readonly rule: RuleOf<T> }
  | {
      readonly kind: 'enum';
      readonly values: readonly (string | number)[];
      readonly range: string;
      readonly message: string;
      readonly rule: RuleOf<T>;
    }
  | { readonly kind: 'text'; readonly range: string; readonly rule: RuleOf<T> };

/** A whole number from `min` to `max`; a variable's text is coerced. */
export function wholeNumber(min: number, max: number): Rule<number> & { kind: 'number' } {
  const error = `must be a whole number from ${min} to ${max}`;
  const rule = z.coerce.number({ error }).check(z.refine((n: number) => Number.isInteger(n) && n >= min && n <= max, { error }));
  return { kind: 'number', min, max, range: `${min} to ${max}`, rule };
}

/** One of a few words (or numbers), as written. */
export function oneOf<const V extends readonly [string, ...string[]]>(
  values: V,
  error = `must be ${quoted(values)}`,
): Rule<V[number]> & { kind: 'enum' } {
  return { kind: 'enum', values, range: values.join(' | '), message: error, rule: z.enum(values, { error }) };
}

/** One of a few whole numbers; a variable's text is coerced. */
export function oneOfNumbers<const V extends readonly number[]>(values: V, error: string): Rule<V[number]> & { kind: 'enum' } {
  const rule = z.coerce.number({ error }).check(z.refine((n: number) => values.includes(n), { error })) as unknown as RuleOf<V[number]>;
  return { kind: 'enum', values, range: values.join(', '), message: error, rule };
}

/** Non-empty text; `what` says what it holds (the message of a missing required variable). */
export function text(what: string, pattern?: { regex: RegExp; error: string; range: string }): Rule<string> & { kind: 'text' } {
  const base = z.string({ error: `is required: ${what}` }).check(z.minLength(1, { error: `is required: ${what}` }));
  const rule = pattern === undefined ? base : base.check(z.regex(pattern.regex, { error: pattern.error }));
  return { kind: 'text', range: pattern?.range ?? 'non-empty text', rule };
}

/** An absolute URL. */
export function absoluteUrl(what: string): Rule<string> & { kind: 'text' } {
  return { kind: 'text', range: 'absolute URL', rule: z.url({ error: `is required: ${what}` }) };
}

const SQS_QUEUE_ARN = /^arn:[a-z-]+:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,80}$/;

/** An SQS queue ARN. */
export function queueArn(what: string): Rule<string> & { kind: 'text' } {
  return text(what, { regex: SQS_QUEUE_ARN, error: 'must be an SQS queue ARN', range: 'SQS queue ARN' });
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Fivetran's base URL. HTTPS only, except on loopback where the local sandbox
 * answers: the API key travels in every request's Authorization header.
 */
export function fivetranApiUrl(): Rule<string> & { kind: 'text' } {
  const rule = z.pipe(
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
          return (
            url === undefined ||
            (url.pathname.replace(/\/+$/, '') === '' && url.search === '' && url.hash === '' && url.username === '' && url.password === '')
          );
        },
        { error: 'must be the API host only, such as https://api.fivetran.com (no path like /v1, no query, no credentials)' },
      ),
    ),
    z.transform((value: string) => value.replace(/\/+$/, '')),
  );
  return { kind: 'text', range: 'https:// URL of the API host (http:// on loopback only)', rule };
}

function parsedUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function quoted(values: readonly string[]): string {
  const words = values.map((value) => `"${value}"`);
  return words.length === 1 ? words[0]! : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}
