import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { ProvisionerStack } from '../../infra/provisioner-stack';
import {
  DEPLOYED_BATCH_SIZE,
  DEPLOYED_FUNCTION_TIMEOUT_SECONDS,
  DEPLOYED_MAX_RECEIVE_COUNT,
  DEPLOYED_RECORD_CONCURRENCY,
  DEPLOYED_VISIBILITY_TIMEOUT_SECONDS,
  WORKER_VARIABLES,
} from '../../local/run/settings';
import { disposeTestApps, newTestApp } from './support';

afterAll(disposeTestApps);

describe('the local run mirrors the deployed stack', () => {
  it('uses the stack default queue wiring, batch size and concurrency', () => {
    // given the stack with its defaults (no bundling: only the settings matter here)
    const stack = new ProvisionerStack(newTestApp({ 'aws:cdk:bundling-stacks': [] }), 'Mirror');
    const template = Template.fromStack(stack);
    // then the numbers local/run/settings.ts copies are the stack's
    expect(stack.settings.functionTimeout.toSeconds()).toBe(DEPLOYED_FUNCTION_TIMEOUT_SECONDS);
    expect(stack.settings.maxReceiveCount).toBe(DEPLOYED_MAX_RECEIVE_COUNT);
    expect(stack.settings.batchSize).toBe(DEPLOYED_BATCH_SIZE);
    expect(stack.settings.recordConcurrency).toBe(DEPLOYED_RECORD_CONCURRENCY);
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: DEPLOYED_VISIBILITY_TIMEOUT_SECONDS,
      RedrivePolicy: { maxReceiveCount: DEPLOYED_MAX_RECEIVE_COUNT },
    });
  });

  it('gives the local worker process every variable the deployed worker is configured with', () => {
    // given the stack's worker function (the one given the credentials prefix)
    const template = Template.fromStack(new ProvisionerStack(newTestApp({ 'aws:cdk:bundling-stacks': [] }), 'MirrorEnvironment'));
    const workers = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (fn) => fn.Properties?.Environment?.Variables?.CREDENTIALS_SECRET_PREFIX !== undefined,
    );
    expect(workers).toHaveLength(1);
    // then the variables the local run passes through from the environment are exactly those,
    // but for NODE_OPTIONS: its --enable-source-maps is the runtime's, which tsx gives the local worker
    const deployed = Object.keys(workers[0]!.Properties.Environment.Variables).filter((name) => name !== 'NODE_OPTIONS');
    expect([...WORKER_VARIABLES].sort()).toEqual(deployed.sort());
  });
});
