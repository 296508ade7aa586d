import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../shared/runtime/errors';
import {
  checkKnob,
  defaultsFor,
  FUNCTION_NAMES,
  type FunctionName,
  type KnobName,
  type KnobSpec,
  readSettings,
  SETTINGS,
} from '../../../shared/runtime/settings';

/** A value for every required variable, per function. */
const REQUIRED: Record<FunctionName, Record<string, string>> = {
  provision: {
    FIVETRAN_API_SECRET_ID: 'fivetran/api-key',
    CREDENTIALS_SECRET_PREFIX: 'fivetran/gitlab/',
    EVENT_BUS_NAME: 'provisioner-bus',
  },
  backfill: {
    FIVETRAN_API_SECRET_ID: 'fivetran/api-key',
    EVENT_BUS_NAME: 'provisioner-bus',
    PROVISIONING_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q',
  },
  redrive: {
    DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq',
    DEAD_LETTER_QUEUE_ARN: 'arn:aws:sqs:eu-west-1:123456789012:dlq',
    DESTINATION_QUEUE_ARN: 'arn:aws:sqs:eu-west-1:123456789012:q',
  },
  rotation: {
    CREDENTIALS_SECRET_PREFIX: 'fivetran/gitlab/',
    PROVISIONING_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q',
  },
  drift: {
    CREDENTIALS_SECRET_PREFIX: 'fivetran/gitlab/',
    PROVISIONING_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q',
  },
};

const knobs = Object.entries(SETTINGS) as [KnobName, KnobSpec<unknown>][];
/** Every (function, knob) pair the function reads itself. */
const readKnobs = FUNCTION_NAMES.flatMap((fn) =>
  knobs
    .filter(([, spec]) => spec.env !== undefined && spec.readBy !== 'runtime' && spec.usedBy.includes(fn))
    .map(([name, spec]) => ({ fn, name, spec })),
);
const numberKnobs = readKnobs.filter(({ spec }) => spec.rule.kind === 'number');

describe('the settings table', () => {
  it.each(readKnobs.filter(({ spec }) => spec.default !== undefined).map((k) => [k.fn, k.spec.env!, k] as const))(
    '%s applies the documented default of %s when it is unset',
    (fn, _env, { name, spec }) => {
      const settings = readSettings(fn, REQUIRED[fn]) as Record<string, unknown>;
      expect(settings[name]).toBe(spec.default);
    },
  );

  it.each(numberKnobs.map((k) => [k.fn, k.spec.env!, k] as const))(
    '%s accepts %s at both ends of its range and refuses a step outside, naming it',
    (fn, env, { name, spec }) => {
      if (spec.rule.kind !== 'number') throw new Error('not a number knob');
      const { min, max } = spec.rule;
      const read = (value: number) => readSettings(fn, { ...REQUIRED[fn], [env]: String(value) }) as Record<string, unknown>;
      expect(read(min)[name]).toBe(min);
      expect(read(max)[name]).toBe(max);
      const message = new RegExp(`${env} must be a whole number from ${min} to ${max}`);
      expect(() => read(min - 1)).toThrow(message);
      expect(() => read(max + 1)).toThrow(message);
      expect(() => read(min + 0.5)).toThrow(message);
    },
  );

  it.each(readKnobs.filter(({ spec }) => spec.default === undefined && spec.optional !== true).map((k) => [k.fn, k.spec.env!] as const))(
    '%s fails at cold start without %s, naming it and what it holds',
    (fn, env) => {
      const { [env]: _left, ...rest } = REQUIRED[fn];
      expect(() => readSettings(fn, rest)).toThrow(ConfigurationError);
      expect(() => readSettings(fn, rest)).toThrow(new RegExp(`${env} is required: `));
    },
  );

  it('names every missing variable in one message, and counts an empty variable as unset', () => {
    expect(() => readSettings('provision', { EVENT_BUS_NAME: '' })).toThrow(
      /FIVETRAN_API_SECRET_ID is required.*CREDENTIALS_SECRET_PREFIX is required.*EVENT_BUS_NAME is required/,
    );
  });

  it('reads no variable of another function', () => {
    // given a worker environment with a backfill-only variable set to nonsense
    const settings = readSettings('provision', { ...REQUIRED.provision, BACKFILL_CHUNK_LINES: 'many' }) as Record<string, unknown>;
    // then the worker neither refuses it nor holds it
    expect(settings).not.toHaveProperty('chunkLines');
  });

  it('gives the worker RECORD_CONCURRENCY 5, the value the stack deploys', () => {
    expect(readSettings('provision', REQUIRED.provision).recordConcurrency).toBe(5);
    expect(defaultsFor('stack').recordConcurrency).toBe(5);
  });

  it('leaves the AWS endpoints unset unless configured, and reads them when they are', () => {
    expect(readSettings('backfill', REQUIRED.backfill).awsEndpointUrlS3).toBeUndefined();
    expect(readSettings('backfill', { ...REQUIRED.backfill, AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4566' }).awsEndpointUrlS3).toBe(
      'http://127.0.0.1:4566',
    );
  });

  it('names a malformed variable', () => {
    const required = REQUIRED.provision;
    expect(() => readSettings('provision', { ...required, MAX_RECEIVE_COUNT: 'five' })).toThrow(
      /MAX_RECEIVE_COUNT must be a whole number from 1 to 1000/,
    );
    expect(() => readSettings('provision', { ...required, CREDENTIALS_SECRET_PREFIX: 'fivetran/gitlab' })).toThrow(
      /CREDENTIALS_SECRET_PREFIX.*ending in "\/"/,
    );
    expect(() => readSettings('provision', { ...required, CREDENTIALS_SCOPE: 'team' })).toThrow(
      /CREDENTIALS_SCOPE must be "group" or "prefix"/,
    );
    expect(() => readSettings('provision', { ...required, EVENT_SOURCE: 'aws.events' })).toThrow(
      /EVENT_SOURCE must be .* not start with aws\./,
    );
    expect(() => readSettings('redrive', { ...REQUIRED.redrive, DEAD_LETTER_QUEUE_ARN: 'dlq' })).toThrow(
      /DEAD_LETTER_QUEUE_ARN must be an SQS queue ARN/,
    );
  });

  it('refuses plain http except on loopback, where the sandbox answers', () => {
    const required = REQUIRED.provision;
    expect(() => readSettings('provision', { ...required, FIVETRAN_API_URL: 'http://api.fivetran.com' })).toThrow(
      /FIVETRAN_API_URL.*https/,
    );
    expect(readSettings('provision', { ...required, FIVETRAN_API_URL: 'http://127.0.0.1:8080/' }).fivetranApiUrl).toBe(
      'http://127.0.0.1:8080',
    );
  });

  it.each([
    'https://api.fivetran.com/v1',
    'https://api.fivetran.com/v1/',
    'https://api.fivetran.com/?region=eu',
    'https://api.fivetran.com/#v1',
    'https://key:secret@api.fivetran.com',
  ])('refuses %s at cold start: the client adds the paths, and a doubled /v1 would make every call a 404', (url) => {
    expect(() => readSettings('provision', { ...REQUIRED.provision, FIVETRAN_API_URL: url })).toThrow(
      /FIVETRAN_API_URL must be the API host only/,
    );
  });

  it('names an unparsable FIVETRAN_API_URL without failing on it', () => {
    expect(() => readSettings('provision', { ...REQUIRED.provision, FIVETRAN_API_URL: 'api.fivetran.com/v1' })).toThrow(
      /FIVETRAN_API_URL must be an absolute URL/,
    );
  });

  it('phrases a refused stack property with the property name and the value given', () => {
    expect(checkKnob('maxConcurrency', 1)).toBe('maxConcurrency must be a whole number from 2 to 1000, got 1');
    expect(checkKnob('recordConcurrency', 5)).toBeUndefined();
  });

  it('gives every knob a one-line doc and every default a value its own rule accepts', () => {
    for (const [name, spec] of knobs) {
      expect(spec.doc, name).toMatch(/^[^\n]{10,200}$/);
      if (spec.default !== undefined) expect(checkKnob(name, spec.default), name).toBeUndefined();
      for (const value of Object.values(spec.perFunction ?? {})) expect(checkKnob(name, value), name).toBeUndefined();
    }
  });
});
