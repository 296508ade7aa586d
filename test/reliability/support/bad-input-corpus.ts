import {
  type AcceptedInput,
  type BadInput,
  type CorpusContext,
  corpusSecretId,
  corpusSecretValue,
  createCorpusBuilder,
} from './corpus-builder';
import { addMalformedCases } from './corpus-malformed';
import { addSecretCases } from './corpus-secrets';
import { addSizeAndUnicodeCases } from './corpus-text';

export { type AcceptedInput, type BadInput, CORPUS_SECRET, type CorpusContext, corpusSecretId, corpusSecretValue } from './corpus-builder';

/** The bad-input corpus (corpus-builder.ts says what a case is), category by category. */
export function badInputCorpus(context: CorpusContext): BadInput[] {
  const builder = createCorpusBuilder(context);
  const { add, cases } = builder;
  addMalformedCases(builder);
  addSecretCases(builder);
  addSizeAndUnicodeCases(builder);

  // Request faults that only Fivetran can tell.
  add(
    'Fivetran: a group it does not have',
    (request) => {
      request.connection.group_id = 'no_such_group';
      request.credentialsSecretId = corpusSecretId(context, 'no_such_group');
    },
    'GROUP_NOT_FOUND',
    'connection.group_id',
    { secrets: { [corpusSecretId(context, 'no_such_group')]: corpusSecretValue(context) } },
  );
  add('Fivetran: a schema another service holds', () => undefined, 'SCHEMA_TAKEN', 'config.schema', { takenBy: 'github' });

  return cases;
}

/** Requests with unusual text in free-text fields, which the contract allows: they must be provisioned, the text echoed unchanged. */
export function acceptedUnusualInputs(context: CorpusContext): AcceptedInput[] {
  return [
    ['an emoji in requestedBy', { requestedBy: 'platform team \u{1F680}' }],
    ['right-to-left text in requestedBy', { requestedBy: '\u05E6\u05D5\u05D5\u05EA \u05E4\u05DC\u05D8\u05E4\u05D5\u05E8\u05DE\u05D4' }],
    ['a right-to-left override in requestedBy', { requestedBy: 'team\u202Ea' }],
    ['CJK in correlationId', { correlationId: '\u8ACB\u6C42-42' }],
    ['combining marks in requestedBy', { requestedBy: 'Zo\u0308e\u0301' }],
    ['an escaped NUL in requestedBy', { requestedBy: 'team\u0000a' }],
    ['an escaped unpaired surrogate in requestedBy', { requestedBy: 'team\uD800a' }],
    ['128 emoji (256 UTF-16 units, the limit) in requestedBy', { requestedBy: '\u{1F680}'.repeat(128) }],
  ].map(([name, contextFields], index) => ({
    name: name as string,
    ...corpusRequest(context, 'odd', index + 1, { context: contextFields }),
    context: contextFields as Record<string, string>,
  }));
}

/** A valid request with the corpus secret, to share batches with the bad ones. */
export function validCorpusRequest(context: CorpusContext, index: number): { body: string; requestId: string; schema: string } {
  return corpusRequest(context, 'good', index);
}

/** A minimal valid request for the corpus secret, its requestId and schema numbered by `kind`, with `extra` fields last. */
function corpusRequest(context: CorpusContext, kind: string, index: number, extra: Record<string, unknown> = {}) {
  const n = String(index).padStart(3, '0');
  const requestId = `${kind}-${n}`;
  const schema = `${kind}_${n}`;
  const body = {
    requestId,
    connection: { group_id: context.groupId, service: 'gitlab', config: { schema, auth: 'personal_access_token', base_url: 'gitlab.com' } },
    credentialsSecretId: corpusSecretId(context),
    ...extra,
  };
  return { body: JSON.stringify(body), requestId, schema };
}

/** Whether SQS accepts the body: it refuses characters outside XML's (such as NUL and unpaired surrogates). */
export function sqsAccepts(body: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: which control characters SQS accepts is what this checks.
  return /^[\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u.test(body);
}

/**
 * The same JSON with every character beyond U+FFFF written as an escaped
 * surrogate pair: it reads back identical. fauxqs, unlike SQS, refuses such
 * characters (emoji) raw in a body.
 */
export function escapeAstral(body: string): string {
  return body.replace(/[\u{10000}-\u{10FFFF}]/gu, (character) =>
    Array.from({ length: character.length }, (_, index) => `\\u${character.charCodeAt(index).toString(16)}`).join(''),
  );
}
