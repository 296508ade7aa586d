import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProvisionerStack } from '../../infra/provisioner-stack';
import { actionsOf, allowStatements, disposeTestApps, newTestApp, resourcesOf } from './support';

/** The worker defers a rate-limited request by sending its body back to its own queue with a delay. */
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
