/**
 * Finds pieces of secrets in text: any run of `length` characters of any
 * secret, wherever it appears. Independent of the worker's redactor, so a
 * redactor that misses a form is caught rather than agreed with.
 */

export interface SecretNeedle {
  /** Says which secret (and which form of it) this is; reports print it instead of the value. */
  label: string;
  value: string;
}

export interface FragmentLeak {
  label: string;
  where: string;
  /** The text around the piece, with the piece itself masked, so a report does not leak. */
  excerpt: string;
}

/** The forms a leak of a secret can take in a log line or an event: as it is, and JSON-escaped once and twice. */
export function needlesFor(label: string, secret: string): SecretNeedle[] {
  const once = JSON.stringify(secret).slice(1, -1);
  const twice = JSON.stringify(once).slice(1, -1);
  return [
    { label, value: secret },
    ...(once === secret ? [] : [{ label: `${label} (JSON-escaped)`, value: once }]),
    ...(twice === once ? [] : [{ label: `${label} (JSON-escaped twice)`, value: twice }]),
    { label: `${label} (URL-encoded)`, value: encodeURIComponent(secret) },
    { label: `${label} (base64)`, value: Buffer.from(secret).toString('base64') },
  ];
}

/** Every place where `length` or more characters of a needle appear in one of the haystacks (one report per haystack and needle). */
export function findFragments(
  needles: readonly SecretNeedle[],
  haystacks: ReadonlyArray<{ where: string; text: string }>,
  length = 12,
): FragmentLeak[] {
  const owner = new Map<string, string>();
  for (const { label, value } of needles) {
    for (let at = 0; at + length <= value.length; at += 1) {
      const run = value.slice(at, at + length);
      if (!owner.has(run)) owner.set(run, label);
    }
  }
  const leaks: FragmentLeak[] = [];
  for (const { where, text } of haystacks) {
    const found = new Set<string>();
    for (let at = 0; at + length <= text.length; at += 1) {
      const label = owner.get(text.slice(at, at + length));
      if (label === undefined || found.has(label)) continue;
      found.add(label);
      leaks.push({
        label,
        where,
        excerpt: `${text.slice(Math.max(0, at - 40), at)}<${label}>${text.slice(at + length, at + length + 40)}`,
      });
    }
  }
  return leaks;
}

/** A random string of `length` characters from `alphabet`, from a seeded source of numbers in [0, 1). */
export function randomSecret(
  random: () => number,
  length: number,
  alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
): string {
  return Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
}

/** A PEM private key of random base64, about 1.7 KB like a real 2048-bit RSA key, with a newline every 64 characters. */
export function randomPrivateKey(random: () => number): string {
  const body = randomSecret(random, 1624, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
  const lines = body.match(/.{1,64}/g)!;
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
}
