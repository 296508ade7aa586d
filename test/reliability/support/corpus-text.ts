import type { CorpusBuilder } from './corpus-builder';

/** Bodies too large, and unusual Unicode where only ASCII is allowed (escaped, and raw as only a handler fed directly meets it). */
export function addSizeAndUnicodeCases({ prefix, invalid, set }: CorpusBuilder): void {
  // Oversized bodies: counted in bytes, before anything else.
  invalid(
    'oversized: 64 KiB + 1 byte of JSON',
    (request) => {
      const text = JSON.stringify(request);
      return JSON.stringify({ ...request, padding: 'p'.repeat(64 * 1024 + 1 - text.length - ',"padding":""'.length) });
    },
    'at most 65536',
  );
  invalid('oversized: 200 KiB of text', { raw: 'x'.repeat(200 * 1024) }, 'at most 65536');
  invalid(
    'oversized: 22,000 three-byte characters (under 64 Ki characters, over 64 KiB)',
    set('context.requestedBy', '€'.repeat(22_000)),
    'at most 65536',
  );

  // Unusual Unicode where only ASCII is allowed. (Escaped in the JSON, as SQS carries them.)
  for (const [name, path, value] of [
    ['a schema with a non-ASCII letter', 'connection.config.schema', 'gitlab_tëam'],
    ['a schema with a Cyrillic look-alike letter', 'connection.config.schema', 'gitlab_t\u0435am'],
    ['a schema in full-width letters', 'connection.config.schema', '\uFF47\uFF49\uFF54\uFF4C\uFF41\uFF42'],
    ['a schema with a NUL', 'connection.config.schema', 'gitlab\u0000team'],
    ['a requestId with an emoji', 'requestId', 'team-a-\u{1F680}'],
    ['a requestId with a right-to-left override', 'requestId', 'team\u202Ea'],
    ['a requestId with a zero-width space', 'requestId', 'team\u200Ba'],
    ['a requestId with a NUL', 'requestId', 'team\u0000a'],
    ['a requestId with an unpaired surrogate', 'requestId', 'team\uD800a'],
    ['a group_id with a NUL', 'connection.group_id', 'sandbox\u0000group'],
    ['a group_id with a zero-width joiner', 'connection.group_id', 'sandbox\u200Dgroup'],
    ['a credentialsSecretId with a right-to-left override', 'credentialsSecretId', `${prefix}\u202Eteam-a`],
    ['a credentialsSecretId with a Cyrillic look-alike of the prefix', 'credentialsSecretId', `${prefix.replace('a', '\u0430')}team-a`],
    ['a custom_base_url with a right-to-left override', 'connection.config.custom_base_url', 'gitlab.\u202Emoc.elpmaxe'],
  ] as const) {
    invalid(`unicode: ${name}`, set(path, value), path);
  }
  // The same characters raw in the body: SQS refuses to carry them, so only a handler fed directly meets them.
  // JSON forbids a raw control character inside a string: the body is not JSON at all.
  invalid('unicode, raw: a NUL in requestId', (request) => JSON.stringify(request).replace(/"bad-(\d+)"/, '"bad-\u0000$1"'), 'not JSON');
  invalid(
    'unicode, raw: an unpaired surrogate in requestId',
    (request) => JSON.stringify(request).replace(/"bad-(\d+)"/, '"bad-\uD800$1"'),
    'requestId',
  );
  invalid('unicode, raw: a NUL between tokens', (request) => JSON.stringify(request).replace('{', '{\u0000'), 'not JSON');
}
