/** What a removed secret, fragment or escaped form becomes. */
export const REDACTED = '[redacted]';

/**
 * Any run of a secret (or of one of its escaped forms) this long is removed
 * wherever it appears, so a secret cut short, or echoed in part, cannot pass.
 */
export const FRAGMENT_LENGTH = 12;

/** Shorter values are removed only whole; below this they are too common to look for. */
const MIN_SECRET_LENGTH = 4;

/** How deep `deep` follows objects; log attributes and events are a few levels. */
const MAX_DEPTH = 12;

export interface Redactor {
  /** Adds secret values: each, and its escaped and encoded forms, is removed from then on. */
  add(...secrets: readonly (string | undefined)[]): void;
  /** Removes every secret, form and fragment, and only then cuts the text to `maxLength`. */
  text(value: string, maxLength?: number): string;
  /**
   * For identifiers the worker has checked (a requestId, a group id, a schema):
   * removes a secret or form that occurs in it whole, but not fragments. A
   * secret that is not random (a fake one in an example) can share 12
   * characters with an ordinary identifier, which subscribers route on.
   */
  name(value: string): string;
  /** A copy of `value` with every string in it passed through `text` (objects and arrays copied, errors as name and message). */
  deep<T>(value: T, maxLength?: number): T;
}

/**
 * The one redaction step every text passes before it leaves the function (a
 * log line, an event, an error message). Messages are built never to hold
 * secrets; this is what makes sure, for text that comes from elsewhere, such
 * as a Fivetran error message that echoes its input, whole, cut short,
 * JSON-escaped, URL-encoded or base64-encoded.
 *
 * It removes each secret and each of its forms whole, and any run of
 * FRAGMENT_LENGTH characters of them, merging overlapping hits into one
 * REDACTED. Redaction runs before any cut, so a cut cannot leave a piece of a
 * secret that redaction would no longer recognise.
 *
 * @example
 * const redactor = createRedactor([token]);
 * redactor.text(`Fivetran says: invalid token ${token.slice(0, 20)}`, 500) // 'Fivetran says: invalid token [redacted]'
 */
export function createRedactor(secrets: readonly (string | undefined)[] = []): Redactor {
  const known = new Set<string>();
  /** Every FRAGMENT_LENGTH-character run of every form. */
  const fragments = new Set<string>();
  /** Forms too short to have fragments, matched whole. */
  const shortForms = new Set<string>();
  /** Every form, for identifiers. */
  const wholeForms = new Set<string>();

  const add = (...values: readonly (string | undefined)[]): void => {
    for (const secret of values) {
      if (secret === undefined || secret.length < MIN_SECRET_LENGTH || known.has(secret)) continue;
      known.add(secret);
      for (const form of formsOf(secret)) {
        if (form.length < MIN_SECRET_LENGTH) continue;
        wholeForms.add(form);
        if (form.length < FRAGMENT_LENGTH) {
          shortForms.add(form);
          continue;
        }
        for (let at = 0; at + FRAGMENT_LENGTH <= form.length; at += 1) fragments.add(form.slice(at, at + FRAGMENT_LENGTH));
      }
    }
  };

  const text = (value: string, maxLength?: number): string => {
    const redacted = known.size === 0 ? value : removeHits(value, fragments, shortForms);
    return maxLength === undefined ? redacted : cut(redacted, maxLength);
  };

  const name = (value: string): string => (known.size === 0 ? value : removeHits(value, new Set(), wholeForms));

  const deep = <T>(value: T, maxLength?: number): T => copy(value, (leaf) => text(leaf, maxLength), 0, new WeakSet()) as T;

  add(...secrets);
  return { add, text, name, deep };
}

/**
 * A text cut to `maxLength` characters, ending in "…" when it was longer,
 * never splitting a surrogate pair.
 */
export function cut(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  let end = Math.max(0, maxLength - 1);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/**
 * The ways a secret can show up in text: as it is; JSON-escaped once and twice
 * (a private key's newlines echoed inside a JSON string, and that logged);
 * URL-encoded; and base64 (standard and URL-safe) at each of the three
 * alignments it can have inside a longer encoded text, such as `key:secret` in
 * a Basic Authorization header.
 */
function formsOf(secret: string): Set<string> {
  const forms = new Set<string>([secret]);
  const escaped = JSON.stringify(secret).slice(1, -1);
  forms.add(escaped);
  forms.add(JSON.stringify(escaped).slice(1, -1));
  const encoded = encodeURIComponent(secret);
  forms.add(encoded);
  forms.add(encoded.replace(/%20/g, '+'));
  const bytes = Buffer.from(secret, 'utf8');
  for (let offset = 0; offset < 3; offset += 1) {
    // Only whole 3-byte groups: their encoding is the same wherever the group sits in a longer text.
    const whole = bytes.subarray(offset, offset + Math.floor((bytes.length - offset) / 3) * 3);
    if (whole.length === 0) continue;
    forms.add(whole.toString('base64'));
    forms.add(whole.toString('base64url'));
  }
  // The whole value encoded, padding included, as it appears when it is encoded on its own.
  forms.add(bytes.toString('base64'));
  return forms;
}

function removeHits(value: string, fragments: ReadonlySet<string>, wholeForms: ReadonlySet<string>): string {
  const hits: Array<[number, number]> = [];
  if (fragments.size > 0) {
    for (let at = 0; at + FRAGMENT_LENGTH <= value.length; at += 1) {
      if (fragments.has(value.slice(at, at + FRAGMENT_LENGTH))) hits.push([at, at + FRAGMENT_LENGTH]);
    }
  }
  for (const form of wholeForms) {
    for (let at = value.indexOf(form); at >= 0; at = value.indexOf(form, at + 1)) hits.push([at, at + form.length]);
  }
  if (hits.length === 0) return value;
  hits.sort((a, b) => a[0] - b[0]);
  let result = '';
  let copiedUpTo = 0;
  let [start, end] = hits[0]!;
  for (const [hitStart, hitEnd] of hits.slice(1)) {
    if (hitStart <= end) {
      end = Math.max(end, hitEnd);
      continue;
    }
    result += value.slice(copiedUpTo, start) + REDACTED;
    copiedUpTo = end;
    [start, end] = [hitStart, hitEnd];
  }
  return result + value.slice(copiedUpTo, start) + REDACTED + value.slice(end);
}

function copy(value: unknown, leaf: (text: string) => string, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return leaf(value);
  if (typeof value !== 'object' || value === null) return value;
  // A cycle, or nesting deeper than any text of ours, is not followed.
  if (seen.has(value) || depth >= MAX_DEPTH) return REDACTED;
  if (value instanceof Error) return { name: leaf(value.name), message: leaf(value.message) };
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => copy(item, leaf, depth + 1, seen));
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copy(item, leaf, depth + 1, seen)]));
  } finally {
    seen.delete(value);
  }
}
