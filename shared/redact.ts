/** Replaces every occurrence of the given secret values in a text. */
export const REDACTED = '[redacted]';

/**
 * Scrubs known secret values from text that is about to leave the function
 * (a log line, an event, an error message). Messages are built never to hold
 * secrets; this is the second line, for text that comes from elsewhere, such
 * as a Fivetran error message that echoes its input.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  // Longest first, so a secret that contains another is removed whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 4) result = result.split(secret).join(REDACTED);
  }
  return result;
}
