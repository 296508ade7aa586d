import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { ProvisionerStack } from '../../infra/provisioner-stack';
import {
  DEPLOYED_BATCH_SIZE,
  DEPLOYED_FUNCTION_TIMEOUT_SECONDS,
  DEPLOYED_MAX_RECEIVE_COUNT,
  DEPLOYED_VISIBILITY_TIMEOUT_SECONDS,
  WORKER_VARIABLES,
} from '../../local/run/settings';
import {
  FUNCTION_NAMES,
  type FunctionName,
  type KnobName,
  type KnobSpec,
  readSettings,
  renderedVariables,
  SETTINGS,
} from '../../shared/runtime/settings';
import { disposeTestApps, newTestApp } from './support';

afterAll(disposeTestApps);

/** A stack with all three functions, not bundled: only the settings matter here. */
function stackWithEveryFunction(id: string) {
  return new ProvisionerStack(newTestApp({ 'aws:cdk:bundling-stacks': [] }), id, {
    backfills: [{ name: 'nightly', schedule: 'rate(1 day)', manifest: { key: 'teams.jsonl' } }],
    redriveSchedule: { schedule: 'rate(1 hour)' },
  });
}

/** Each function's environment in the template, told apart by its service name. */
function environments(template: Template): Record<FunctionName, Record<string, unknown>> {
  const byService = Object.fromEntries(
    Object.values(template.findResources('AWS::Lambda::Function'))
      .map((fn) => fn.Properties?.Environment?.Variables as Record<string, unknown> | undefined)
      .filter((variables) => variables !== undefined)
      .map((variables) => [variables.POWERTOOLS_SERVICE_NAME, variables]),
  );
  const service = SETTINGS.serviceName as KnobSpec<string>;
  return Object.fromEntries(FUNCTION_NAMES.map((fn) => [fn, byService[service.perFunction?.[fn] ?? service.default!]])) as Record<
    FunctionName,
    Record<string, unknown>
  >;
}

describe('the stack renders the settings table', () => {
  const template = Template.fromStack(stackWithEveryFunction('Rendered'));
  const rendered = environments(template);

  it.each(FUNCTION_NAMES)('gives the %s function exactly the variables the table says the stack sets on it', (fn) => {
    // given the knobs the table says the function uses and the stack sets
    const expected = (Object.entries(SETTINGS) as [KnobName, KnobSpec<unknown>][])
      .filter(([, spec]) => spec.env !== undefined && spec.usedBy.includes(fn) && spec.usedBy.includes('stack'))
      .map(([, spec]) => spec.env!);
    expect(expected.length).toBeGreaterThan(0);
    // then the deployed function has each of them and nothing else (NODE_OPTIONS is the runtime's own)
    expect(
      Object.keys(rendered[fn])
        .filter((name) => name !== 'NODE_OPTIONS')
        .sort(),
    ).toEqual([...expected].sort());
    expect(renderedVariables(fn).sort()).toEqual([...expected].sort());
  });

  it.each(FUNCTION_NAMES)('renders every defaulted knob of the %s function at the default the function would apply itself', (fn) => {
    const env = rendered[fn];
    const literal = Object.fromEntries(Object.entries(env).filter(([, value]) => typeof value === 'string')) as Record<string, string>;
    // when the function reads the rendered literals, with the stack's resources standing in for the tokens
    const settings = readSettings(fn, { ...literal, ...tokenStandIns }) as Record<string, unknown>;
    // then each knob with a default holds that default
    for (const [name, spec] of Object.entries(SETTINGS) as [KnobName, KnobSpec<unknown>][]) {
      if (spec.env === undefined || spec.readBy === 'runtime' || !spec.usedBy.includes(fn) || spec.default === undefined) continue;
      expect(settings[name], spec.env).toBe(spec.default);
    }
  });

  it('lets the local worker process pass through exactly the variables the deployed worker is configured with', () => {
    expect([...WORKER_VARIABLES].sort()).toEqual(
      Object.keys(rendered.provision)
        .filter((name) => name !== 'NODE_OPTIONS')
        .sort(),
    );
  });

  it('gives the local run the deployed queue wiring and batch size, from the same table', () => {
    const stack = stackWithEveryFunction('Mirror');
    expect(stack.settings.functionTimeout.toSeconds()).toBe(DEPLOYED_FUNCTION_TIMEOUT_SECONDS);
    expect(stack.settings.batchSize).toBe(DEPLOYED_BATCH_SIZE);
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: DEPLOYED_VISIBILITY_TIMEOUT_SECONDS,
      RedrivePolicy: { maxReceiveCount: DEPLOYED_MAX_RECEIVE_COUNT },
    });
  });
});

/** What CloudFormation resolves the stack's references to, for the variables that hold one. */
const tokenStandIns = {
  FIVETRAN_API_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:key-AbCdEf',
  EVENT_BUS_NAME: 'bus',
  PROVISIONING_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq',
  DEAD_LETTER_QUEUE_ARN: 'arn:aws:sqs:eu-west-1:123456789012:dlq',
  DESTINATION_QUEUE_ARN: 'arn:aws:sqs:eu-west-1:123456789012:q',
};
