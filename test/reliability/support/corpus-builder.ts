import type { FailureCode } from '../../../shared/contracts/error-codes';

/**
 * Malformed provisioning requests, each with the error code it must get and
 * the text its failure message must hold to name what is wrong (for
 * INVALID_REQUEST, the field's path followed by a colon). Every case is a
 * row of a table: `[name, what to do to a valid request (or the raw body),
 * code, field named]`. Each case has its own requestId and schema, so its
 * outcome can be told apart in a batch.
 *
 * Secret values planted in a case (inline in the body, or in a secret it
 * references) carry a marker: none may appear in its event or in any log.
 */

export interface CorpusContext {
  prefix: string;
  accountId: string;
  region: string;
  apiKeySecretId: string;
  /** A group Fivetran has. */
  groupId: string;
  marker(label: string): string;
}

export interface BadInput {
  name: string;
  body: string;
  /** SQS message attributes. */
  attributes?: Record<string, string>;
  code: FailureCode;
  /** The failure message must contain this. */
  names: string;
  /** Secrets Manager state the case needs: name → SecretString. */
  secrets?: Record<string, string>;
  /** A connection of another service to create first, holding the case's schema. */
  takenBy?: string;
  /** Secret values planted in the case. */
  planted: string[];
  requestId: string;
  schema: string;
  groupId: string;
}

/** A request the worker must accept although it holds unusual text, and what it must echo. */
export interface AcceptedInput {
  name: string;
  body: string;
  requestId: string;
  schema: string;
  context: Record<string, string>;
}

export type Json = Record<string, any>;
export type Mutation = (request: Json, id: Ids) => undefined | string;
interface Ids {
  requestId: string;
  schema: string;
}

/** The name of the secret every otherwise-valid case references; it holds a personal access token. */
export const CORPUS_SECRET = 'corpus-valid';

/** Where the corpus secret is filed: credentials are bound to their Fivetran group. */
export function corpusSecretId(context: Pick<CorpusContext, 'prefix' | 'groupId'>, groupId = context.groupId): string {
  return `${context.prefix}${groupId}/${CORPUS_SECRET}`;
}

/** The SecretString of the corpus secret. */
export function corpusSecretValue(context: CorpusContext): string {
  return JSON.stringify({ personal_access_token: `glpat-${context.marker('corpus PAT')}` });
}

/** What each category of the corpus adds its cases with; every case gets the next requestId and schema, in the order added. */
export function createCorpusBuilder(context: CorpusContext) {
  const { prefix } = context;
  const arn = (name: string, account = context.accountId, region = context.region, partition = 'aws') =>
    `arn:${partition}:secretsmanager:${region}:${account}:secret:${name}`;
  const cases: BadInput[] = [];
  let sequence = 0;

  const base = (ids: Ids): Json => ({
    requestId: ids.requestId,
    connection: {
      group_id: context.groupId,
      service: 'gitlab',
      run_setup_tests: true,
      sync_frequency: 1440,
      daily_sync_time: '14:00',
      destination_schema_names: 'SOURCE_NAMING',
      config: { schema: ids.schema, auth: 'personal_access_token', base_url: 'gitlab.com' },
    },
    credentialsSecretId: corpusSecretId(context),
    context: { correlationId: `corr-${ids.requestId}`, requestedBy: 'bad-input-corpus' },
  });
  const add = (
    name: string,
    change: Mutation | { raw: string },
    code: FailureCode,
    names: string,
    extra: Partial<Pick<BadInput, 'attributes' | 'secrets' | 'takenBy' | 'planted'>> = {},
  ) => {
    sequence += 1;
    const n = String(sequence).padStart(3, '0');
    const ids = { requestId: `bad-${n}`, schema: `bad_${n}` };
    let body: string;
    let groupId = context.groupId;
    if ('raw' in change) {
      body = change.raw;
    } else {
      const request = base(ids);
      const replaced = change(request, ids);
      groupId = typeof request.connection?.group_id === 'string' ? request.connection.group_id : groupId;
      body = typeof replaced === 'string' ? replaced : JSON.stringify(request);
    }
    cases.push({ name, body, code, names, planted: [], ...extra, ...ids, groupId });
  };
  /** A field path is named as "path:"; other text (such as "not JSON") as it is. */
  const invalid = (name: string, change: Mutation | { raw: string }, field: string, extra?: Parameters<typeof add>[4]) =>
    add(name, change, 'INVALID_REQUEST', /^[A-Za-z_][\w.]*$/.test(field) ? `${field}:` : field, extra);
  const set =
    (path: string, value: unknown): Mutation =>
    (request) =>
      void assign(request, path, value);
  const remove =
    (path: string): Mutation =>
    (request) =>
      void assign(request, path, undefined, true);
  const secretValue = (label: string) => `glpat-${context.marker(label)}`;
  return { context, prefix, cases, add, invalid, set, remove, secretValue, arn };
}

export type CorpusBuilder = ReturnType<typeof createCorpusBuilder>;

function assign(target: Json, path: string, value: unknown, remove = false): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key];
  }
  const last = keys.at(-1)!;
  if (remove) delete node[last];
  else node[last] = value;
}
