import { existsSync } from 'node:fs';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProvisionerApp, readProvisionerContext } from '../../infra/provisioner-app';
import { ProvisionerStack, type ProvisionerStackProps } from '../../infra/provisioner-stack';
import { ProvisionerPropsError } from '../../infra/validate-props';
import { actionsOf, allowStatements, CDK_JSON, disposeTestApps, newTestApp, onlyLogicalId, resourcesOf, workerFunctionId } from './support';

afterAll(disposeTestApps);

// All variants live in one app, built before the first synthesis (CDK forbids adding stacks after it):
// the worker is bundled once and the asset reused for every stack.
const VARIANTS = {
  Tuned: {
    functionTimeout: Duration.seconds(120),
    maxBatchingWindow: Duration.seconds(10),
    batchSize: 20,
    maxConcurrency: 4,
    maxReceiveCount: 3,
    recordConcurrency: 2,
    memorySize: 1024,
    logLevel: 'DEBUG',
    logRetention: logs.RetentionDays.ONE_MONTH,
    fivetranApiUrl: 'https://fivetran.example.com',
    fivetranRequestTimeout: Duration.seconds(20),
    fivetranCreateTimeout: Duration.seconds(90),
    credentialsSecretPrefix: 'fivetran/gitlab/',
    credentialsScope: 'prefix',
    eventSource: 'acme.fivetran',
    eventArchiveRetention: Duration.days(7),
    oldestMessageAgeAlarmThreshold: Duration.minutes(15),
  },
  SecretByName: { existingFivetranApiSecret: 'shared/fivetran-api-key' },
  SecretByArn: { existingFivetranApiSecret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shared/fivetran-api-key-AbC123' },
  SharedBus: { existingEventBusName: 'integration-events' },
  EmailAlarms: { alarmEmail: 'oncall@example.com' },
  TopicAlarms: { alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:platform-alarms' },
  'FivetranProvisioner-staging': {},
  'FivetranProvisioner-prod': {},
} satisfies Record<string, ProvisionerStackProps>;

const app = newTestApp();
const stacks = Object.fromEntries(Object.entries(VARIANTS).map(([id, props]) => [id, new ProvisionerStack(app, id, props)]));
const variant = (id: keyof typeof VARIANTS): Template => Template.fromStack(stacks[id]!);
const env = (template: Template) =>
  template.findResources('AWS::Lambda::Function')[workerFunctionId(template)]!.Properties.Environment.Variables;
const secretResources = (template: Template) =>
  allowStatements(template)
    .filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'))
    .flatMap(resourcesOf);

describe('tuning properties', () => {
  let template: Template;
  beforeAll(() => {
    template = variant('Tuned');
  });

  it('derives the visibility timeout from the function timeout and batching window', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 120, MemorySize: 1024 });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 6 * 120 + 10,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }),
    });
  });

  it('passes batch size, batching window and the concurrency cap to the event source mapping', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 20,
      MaximumBatchingWindowInSeconds: 10,
      ScalingConfig: { MaximumConcurrency: 4 },
    });
  });

  it('passes the settings to the worker environment and scopes its secret access to the given prefix', () => {
    expect(env(template)).toMatchObject({
      FIVETRAN_API_URL: 'https://fivetran.example.com',
      FIVETRAN_REQUEST_TIMEOUT_MS: '20000',
      FIVETRAN_CREATE_TIMEOUT_MS: '90000',
      CREDENTIALS_SECRET_PREFIX: 'fivetran/gitlab/',
      CREDENTIALS_SCOPE: 'prefix',
      EVENT_SOURCE: 'acme.fivetran',
      MAX_RECEIVE_COUNT: '3',
      RECORD_CONCURRENCY: '2',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
    });
    expect(JSON.stringify(secretResources(template))).toContain(':secret:fivetran/gitlab/*');
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('archives and registers the events under the given source', () => {
    template.hasResourceProperties('AWS::Events::Archive', { EventPattern: { source: ['acme.fivetran'] }, RetentionDays: 7 });
    template.hasResourceProperties('AWS::EventSchemas::Schema', { SchemaName: 'acme.fivetran@ConnectionProvisioned' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 900 });
  });
});

describe('existing resources', () => {
  it('uses an existing API key secret by name, granting GetSecretValue on that name with its random suffix', () => {
    const template = variant('SecretByName');
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(env(template).FIVETRAN_API_SECRET_ID).toBe('shared/fivetran-api-key');
    expect(JSON.stringify(secretResources(template))).toContain(':secret:shared/fivetran-api-key-??????"');
  });

  it('uses an existing API key secret by complete ARN, granting GetSecretValue on exactly that ARN', () => {
    const secretArn = VARIANTS.SecretByArn.existingFivetranApiSecret;
    const template = variant('SecretByArn');
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(env(template).FIVETRAN_API_SECRET_ID).toBe(secretArn);
    expect(secretResources(template)[0]).toBe(secretArn);
  });

  it('publishes to and archives an existing bus without creating one', () => {
    const template = variant('SharedBus');
    template.resourceCountIs('AWS::Events::EventBus', 0);
    expect(env(template).EVENT_BUS_NAME).toBe('integration-events');
    const putEvents = allowStatements(template).filter((s) => actionsOf(s).includes('events:PutEvents'));
    expect(JSON.stringify(putEvents.flatMap(resourcesOf))).toMatch(/:event-bus\/integration-events"\]\]\}\]$/);
    const archive = Object.values(template.findResources('AWS::Events::Archive'))[0]!.Properties;
    expect(JSON.stringify(archive.SourceArn)).toContain(':event-bus/integration-events');
  });
});

describe('alarm notifications', () => {
  it('creates a KMS-encrypted, TLS-only topic for an e-mail address and notifies it on alarm and recovery', () => {
    const template = variant('EmailAlarms');
    const topicId = onlyLogicalId(template, 'AWS::SNS::Topic');
    const keyId = onlyLogicalId(template, 'AWS::KMS::Key');
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.objectLike({ 'Fn::GetAtt': [keyId, 'Arn'] }) });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            // only for this account's alarms in this region, never as a deputy for another account's
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alarm:*'],
                  ],
                },
              },
            },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: topicId },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topicId }]);
    }
    template.hasOutput('AlarmTopicArn', { Value: { Ref: topicId } });
  });

  it('notifies an existing topic given by ARN', () => {
    const topicArn = VARIANTS.TopicAlarms.alarmTopicArn;
    const template = variant('TopicAlarms');
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm')))
      expect(alarm.Properties.AlarmActions).toEqual([topicArn]);
  });
});

describe('two stages in one account', () => {
  it('gives staging and prod distinct bus names and credential prefixes', () => {
    const staging = variant('FivetranProvisioner-staging');
    const prod = variant('FivetranProvisioner-prod');
    const busName = (t: Template) => Object.values(t.findResources('AWS::Events::EventBus'))[0]!.Properties.Name;
    expect(busName(staging)).not.toBe(busName(prod));
    expect(env(staging).CREDENTIALS_SECRET_PREFIX).toBe('fivetran-provisioner/FivetranProvisioner-staging/gitlab/');
    expect(env(prod).CREDENTIALS_SECRET_PREFIX).toBe('fivetran-provisioner/FivetranProvisioner-prod/gitlab/');
  });
});

describe('property validation', () => {
  // Validation runs before any resource is created, so these stacks never bundle.
  const invalid = (props: ProvisionerStackProps) => () => new ProvisionerStack(newTestApp(), 'Invalid', props);

  it.each<[string, ProvisionerStackProps, RegExp]>([
    [
      'a credentials prefix without a trailing slash',
      { credentialsSecretPrefix: 'fivetran/gitlab' },
      /credentialsSecretPrefix must be .* ending in "\/"/,
    ],
    [
      'a credentials scope other than group or prefix',
      { credentialsScope: 'team' as 'group' },
      /credentialsScope must be "group" or "prefix"/,
    ],
    ['a concurrency cap below what Lambda allows', { maxConcurrency: 1 }, /maxConcurrency must be a whole number from 2 to 1000/],
    ['a plain-http Fivetran URL', { fivetranApiUrl: 'http://api.fivetran.com' }, /fivetranApiUrl must be an absolute https:\/\/ URL/],
    [
      'a Fivetran URL with the /v1 path the client adds itself',
      { fivetranApiUrl: 'https://api.fivetran.com/v1' },
      /fivetranApiUrl must be .* the API host only/,
    ],
    [
      'a function timeout that cannot hold a lookup, a create Fivetran answers after 60 s and the margin',
      { functionTimeout: Duration.seconds(90) },
      /functionTimeout must be at least fivetranRequestTimeout \+ fivetranCreateTimeout \+ safetyMargin/,
    ],
    [
      'a create timeout shorter than Fivetran takes to answer',
      { fivetranCreateTimeout: Duration.seconds(30) },
      /fivetranCreateTimeout must be at least 65 seconds/,
    ],
    [
      'a batch above 10 without a batching window',
      { batchSize: 50, maxBatchingWindow: Duration.seconds(0) },
      /batchSize must be a whole number from 1 to 10,/,
    ],
    [
      'both an alarm topic and an e-mail',
      { alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:t', alarmEmail: 'a@example.com' },
      /not both/,
    ],
    [
      'a partial secret ARN',
      { existingFivetranApiSecret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:key' },
      /complete secret ARN/,
    ],
    ['an event source in the aws. namespace', { eventSource: 'aws.fivetran' }, /eventSource must be/],
    [
      'a bus ARN where a name is expected',
      { existingEventBusName: 'arn:aws:events:eu-west-1:123456789012:event-bus/x' },
      /existingEventBusName must be the name/,
    ],
  ])('refuses %s', (_case, props, message) => {
    expect(invalid(props)).toThrow(ProvisionerPropsError);
    expect(invalid(props)).toThrow(message);
  });
});

describe('app and context', () => {
  it('runs infra/app.ts with tsx and synthesizes with the recommended feature flags', () => {
    expect(CDK_JSON.app).toBe('npx tsx infra/app.ts');
    expect(existsSync(new URL('../../infra/app.ts', import.meta.url))).toBe(true);
    expect(CDK_JSON.context['@aws-cdk/aws-iam:minimizePolicies']).toBe(true);
  });

  it('names the stack after the stage and merges the stage block of cdk.json with -c overrides', () => {
    const contextApp = newTestApp({
      // This test is about names and settings: skip bundling, as `cdk deploy --exclusively` does for other stacks.
      'aws:cdk:bundling-stacks': [],
      stage: 'prod',
      stages: { prod: { maxConcurrency: 4, alarmEmail: 'oncall@example.com' } },
      maxConcurrency: '6', // -c values arrive as strings
      logRetentionDays: '30',
    });
    expect(readProvisionerContext(contextApp)).toEqual({
      stage: 'prod',
      settings: { maxConcurrency: 6, alarmEmail: 'oncall@example.com', logRetentionDays: 30 },
    });
    const stack = buildProvisionerApp(contextApp);
    expect(stack.stackName).toBe('FivetranProvisioner-prod');
    expect(stack.settings.maxConcurrency).toBe(6);
    expect(stack.settings.alarmEmail).toBe('oncall@example.com');
  });

  it('rejects malformed context with the key in the message', () => {
    expect(() => readProvisionerContext(newTestApp({ maxConcurrency: 'many' }))).toThrow(/Invalid context: maxConcurrency/);
    expect(() => readProvisionerContext(newTestApp({ logRetentionDays: '31' }))).toThrow(/logRetentionDays must be one of/);
    expect(() => readProvisionerContext(newTestApp({ stage: 'prod', stages: { prod: { maxConcurency: 4 } } }))).toThrow(/stages\.prod/);
    expect(() => readProvisionerContext(newTestApp({ stage: 'Prod!' }))).toThrow(/Invalid context "stage"/);
  });
});
