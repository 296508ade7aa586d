import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProvisionerStack } from '../../infra/provisioner-stack';
import { actionsOf, allowStatements, disposeTestApps, newTestApp, resourcesOf } from './support';

/** What the stack grants and checks for Fivetran's rate limits: the deferral's re-send, and concurrency it cannot serve as it suggests. */
let template: Template;
let queueId: string;

beforeAll(() => {
  const stack = new ProvisionerStack(newTestApp(), 'DeferralPermissions');
  template = Template.fromStack(stack);
  const queues = template.findResources('AWS::SQS::Queue');
  queueId = Object.keys(queues).find((id) => queues[id]!.Properties.RedrivePolicy !== undefined)!;
});

afterAll(() => disposeTestApps());

describe('the worker may defer requests', () => {
  it('grants sqs:SendMessage on the provisioning queue only: not on its dead-letter queue, nor on any other', () => {
    const sending = allowStatements(template).filter((statement) => actionsOf(statement).includes('sqs:SendMessage'));
    expect(sending.length).toBeGreaterThan(0);
    expect(sending.flatMap(resourcesOf)).toEqual(sending.map(() => ({ 'Fn::GetAtt': [queueId, 'Arn'] })));
  });

  it('gives the worker MAX_DEFERRAL_HOURS, 48 by default', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    const variables = functions.map((fn) => fn.Properties.Environment?.Variables ?? {}).filter((vars) => 'RECORD_CONCURRENCY' in vars);
    expect(variables.map((vars) => vars.MAX_DEFERRAL_HOURS)).toEqual(['48']);
  });
});

describe('settings Fivetran cannot serve as they suggest', () => {
  const warningsOf = (props: ConstructorParameters<typeof ProvisionerStack>[2]) =>
    Annotations.fromStack(new ProvisionerStack(newTestApp(), 'Concurrency', props))
      .findWarning('*', Match.stringLikeRegexp('maxConcurrency × recordConcurrency'))
      .map((entry) => String(entry.entry.data));

  it('warns when maxConcurrency × recordConcurrency creates in flight exceed what Fivetran takes in one burst', () => {
    const [warning, ...more] = warningsOf({ maxConcurrency: 10, recordConcurrency: 5 });
    expect(more).toEqual([]);
    expect(warning).toMatch(/10 × 5 = 50 creates may be in flight at once/);
  });

  it('does not warn at the defaults (2 × 5)', () => {
    expect(warningsOf({})).toEqual([]);
  });
});
