import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleEventSchemas, outcomeEventSchemas } from '../../infra/event-schemas';
import { arn, disposeTestApps, functionEnvironment, type StackIds, synthDefaultStack } from './support';

// One synthesis (and one real esbuild bundle of the worker) for the whole file.
let template: Template;
let ids: StackIds;
beforeAll(() => ({ template, ids } = synthDefaultStack()));
afterAll(disposeTestApps);

const environment = () => functionEnvironment(template, ids.fn);

describe('provisioning queue', () => {
  it('encrypts the queue and its dead-letter queue server-side and denies requests without TLS', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    // The third is the rotation rule's dead-letter queue (test/infra/lifecycle.component.test.ts).
    expect(Object.keys(queues)).toHaveLength(3);
    for (const id of Object.keys(queues)) {
      expect(queues[id]!.Properties.SqsManagedSseEnabled).toBe(true);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('keeps a message invisible for at least six function timeouts (plus the batching window)', () => {
    const fn = template.findResources('AWS::Lambda::Function')[ids.fn]!.Properties;
    const queue = template.findResources('AWS::SQS::Queue')[ids.queue]!.Properties;
    expect(fn.Timeout).toBe(120);
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn.Timeout);
    expect(queue.VisibilityTimeout).toBe(6 * 120 + 5);
  });

  it('gives an invocation room for a lookup, a create Fivetran answers after 60 s, and the margin to publish', () => {
    const fn = template.findResources('AWS::Lambda::Function')[ids.fn]!.Properties;
    const { FIVETRAN_REQUEST_TIMEOUT_MS, FIVETRAN_CREATE_TIMEOUT_MS, SAFETY_MARGIN_MS } = environment() as Record<string, string>;
    expect(Number(FIVETRAN_CREATE_TIMEOUT_MS)).toBeGreaterThanOrEqual(65_000);
    expect(Number(FIVETRAN_REQUEST_TIMEOUT_MS) + Number(FIVETRAN_CREATE_TIMEOUT_MS) + Number(SAFETY_MARGIN_MS)).toBeLessThanOrEqual(
      fn.Timeout * 1000,
    );
  });

  it('dead-letters a request after 5 deliveries, keeps dead letters 14 days and tells the worker the count', () => {
    const queue = template.findResources('AWS::SQS::Queue')[ids.queue]!.Properties;
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: arn(ids.dlq), maxReceiveCount: 5 });
    expect(template.findResources('AWS::SQS::Queue')[ids.dlq]!.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(environment().MAX_RECEIVE_COUNT).toBe('5');
  });
});

describe('Fivetran API key secret', () => {
  it('is created empty for the operator to fill: nothing is generated or stored in the template', () => {
    const secret = template.findResources('AWS::SecretsManager::Secret')[ids.secret]!.Properties;
    expect(secret.GenerateSecretString).toBeUndefined();
    expect(secret.SecretString).toBeUndefined();
    expect(secret.Name).toBeUndefined();
  });
});

describe('outcome events', () => {
  it('publishes to a custom bus and archives the provisioner events for 30 days', () => {
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: arn(ids.bus),
      EventPattern: { source: ['fivetran.provisioner'] },
      RetentionDays: 30,
    });
  });

  it('publishes draft-4 JSON Schemas of both outcome events and the six lifecycle events to a schema registry', () => {
    const schemas = Object.values(template.findResources('AWS::EventSchemas::Schema')).map((r) => r.Properties);
    const expected = [...outcomeEventSchemas('fivetran.provisioner'), ...lifecycleEventSchemas('fivetran.provisioner')];
    expect(schemas.map((s) => s.SchemaName).sort()).toEqual([
      'fivetran.provisioner@ConnectionCredentialsApplied',
      'fivetran.provisioner@ConnectionDecommissioned',
      'fivetran.provisioner@ConnectionLifecycleRequestFailed',
      'fivetran.provisioner@ConnectionPaused',
      'fivetran.provisioner@ConnectionProvisioned',
      'fivetran.provisioner@ConnectionProvisioningFailed',
      'fivetran.provisioner@ConnectionResumed',
      'fivetran.provisioner@ConnectionUpdated',
    ]);
    for (const schema of schemas) {
      expect(schema.Type).toBe('JSONSchemaDraft4');
      expect(schema.RegistryName).toEqual({ 'Fn::GetAtt': [ids.registry, 'RegistryName'] });
      const content = JSON.parse(schema.Content);
      expect(content.$schema).toBe('http://json-schema.org/draft-04/schema#');
      expect(content).toEqual(expected.find((e) => e.schemaName === schema.SchemaName)!.content);
    }
  });
});

describe('alarms', () => {
  /** The alarm on `metricName` of the resource whose dimension value is `dimension`. */
  const alarm = (metricName: string, dimension: unknown) =>
    Object.values(template.findResources('AWS::CloudWatch::Alarm')).find(
      (a) => a.Properties.MetricName === metricName && JSON.stringify(a.Properties.Dimensions?.[0]?.Value) === JSON.stringify(dimension),
    )?.Properties;

  it.each([
    ['alarms when the dead-letter queue is not empty', 'ApproximateNumberOfMessagesVisible', 'dlq', 'GreaterThanOrEqualToThreshold', 1],
    ['alarms when the oldest request waited more than an hour', 'ApproximateAgeOfOldestMessage', 'queue', 'GreaterThanThreshold', 3600],
  ] as const)('%s', (_name, metricName, queue, comparison, threshold) => {
    expect(alarm(metricName, { 'Fn::GetAtt': [ids[queue], 'QueueName'] })).toMatchObject({
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids[queue], 'QueueName'] } }],
      ComparisonOperator: comparison,
      Threshold: threshold,
    });
  });

  it('alarms on function errors and throttles', () => {
    for (const metricName of ['Errors', 'Throttles']) {
      expect(alarm(metricName, { Ref: ids.fn })).toMatchObject({
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.fn } }],
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
      });
    }
  });

  it('notifies no one unless a topic or e-mail is configured', () => {
    // The worker's four, errors and throttles of the rotation and drift functions, setup tests failed, rotation dead letters.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 10);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const a of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) expect(a.Properties.AlarmActions).toBeUndefined();
  });
});

describe('outputs and names', () => {
  it('outputs what senders, subscribers and operators need', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual([
      'CredentialsSecretPrefix',
      'DeadLetterQueueArn',
      'DeadLetterQueueUrl',
      'DriftFunctionName',
      'EventBusArn',
      'EventBusName',
      'EventSource',
      'FivetranApiSecretId',
      'FunctionName',
      'LedgerTableName',
      'LogGroupName',
      'ProvisioningQueueArn',
      'ProvisioningQueueUrl',
      'RotationFunctionName',
      'SchemaRegistryName',
    ]);
    template.hasOutput('ProvisioningQueueUrl', { Value: { Ref: ids.queue } });
    template.hasOutput('ProvisioningQueueArn', { Value: arn(ids.queue) });
    template.hasOutput('DeadLetterQueueUrl', { Value: { Ref: ids.dlq } });
    template.hasOutput('EventBusName', { Value: { Ref: ids.bus } });
    template.hasOutput('EventBusArn', { Value: arn(ids.bus) });
    template.hasOutput('FunctionName', { Value: { Ref: ids.fn } });
    // Outputs are not exported: an export name is account-wide and would collide between stages.
    for (const output of Object.values(template.findOutputs('*'))) expect(output.Export).toBeUndefined();
  });

  it('fixes no physical name, so several stages fit in one account', () => {
    const nameProperties: Record<string, string> = {
      'AWS::SQS::Queue': 'QueueName',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::Logs::LogGroup': 'LogGroupName',
      'AWS::IAM::Role': 'RoleName',
      'AWS::SecretsManager::Secret': 'Name',
      'AWS::EventSchemas::Registry': 'RegistryName',
      'AWS::Events::Archive': 'ArchiveName',
      'AWS::CloudWatch::Alarm': 'AlarmName',
    };
    for (const [type, property] of Object.entries(nameProperties)) {
      for (const resource of Object.values(template.findResources(type)))
        expect(resource.Properties?.[property], `${type}.${property}`).toBeUndefined();
    }
    // CloudFormation requires a bus name; CDK derives it from the stack name and construct path.
    expect(template.findResources('AWS::Events::EventBus')[ids.bus]!.Properties.Name).toMatch(/^FivetranProvisioner/);
  });
});

describe('template snapshot', () => {
  /**
   * The template with what changes for reasons outside infra/ masked: the
   * bundle's content hash (any change to the worker's code) and the schema
   * documents (generated from shared/contracts/events; checked above instead).
   */
  function stableTemplate(): unknown {
    return JSON.parse(JSON.stringify(template.toJSON()), (key, value) => {
      if (key === 'S3Key' && typeof value === 'string') return value.replace(/^[0-9a-f]{64}/, '[bundle hash]');
      if (key === 'Content' && typeof value === 'string' && value.includes('draft-04'))
        return '[draft-4 schema generated from shared/contracts/events]';
      return value;
    });
  }

  it('holds no secret-looking value', () => {
    const text = JSON.stringify(template.toJSON());
    expect(text).not.toMatch(/SecretString|GenerateSecretString/);
    expect(text).not.toMatch(/AKIA[0-9A-Z]{16}/);
    expect(text).not.toMatch(/"(apiKey|apiSecret|personal_access_token|access_token|password)"\s*:/i);
    expect(text).not.toMatch(/\b(glpat-|ghp_)[A-Za-z0-9_-]{10,}/);
  });

  it('matches the reviewed template', async () => {
    await expect(`${JSON.stringify(stableTemplate(), null, 2)}\n`).toMatchFileSnapshot('./__snapshots__/provisioner-stack.template.json');
  });
});
