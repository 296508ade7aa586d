import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER, PROVISIONER_RUNTIME } from '../../infra/constructs/provisioner-function';
import { outcomeEventSchemas } from '../../infra/event-schemas';
import { buildProvisionerApp } from '../../infra/provisioner-app';
import type { ProvisionerStack } from '../../infra/provisioner-stack';
import { readSettings } from '../../shared/runtime/settings';
import { actionsOf, allowStatements, disposeTestApps, newTestApp, onlyLogicalId, resourcesOf, type Statement } from './support';

// One synthesis (and one real esbuild bundle of the worker) for the whole file.
let stack: ProvisionerStack;
let template: Template;
let assemblyDir: string;
let ids: { queue: string; dlq: string; fn: string; bus: string; secret: string; logGroup: string; registry: string };

beforeAll(() => {
  const app = newTestApp();
  stack = buildProvisionerApp(app);
  template = Template.fromStack(stack);
  assemblyDir = app.synth().directory;
  const queues = template.findResources('AWS::SQS::Queue');
  const queueId = Object.keys(queues).find((id) => queues[id]!.Properties.RedrivePolicy !== undefined)!;
  ids = {
    queue: queueId,
    dlq: Object.keys(queues).find((id) => id !== queueId)!,
    fn: onlyLogicalId(template, 'AWS::Lambda::Function'),
    bus: onlyLogicalId(template, 'AWS::Events::EventBus'),
    secret: onlyLogicalId(template, 'AWS::SecretsManager::Secret'),
    logGroup: onlyLogicalId(template, 'AWS::Logs::LogGroup'),
    registry: onlyLogicalId(template, 'AWS::EventSchemas::Registry'),
  };
});
afterAll(disposeTestApps);

const arn = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

describe('provisioning queue', () => {
  it('encrypts the queue and its dead-letter queue server-side and denies requests without TLS', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
    const queues = template.findResources('AWS::SQS::Queue');
    for (const id of [ids.queue, ids.dlq]) {
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
    expect(Number(FIVETRAN_REQUEST_TIMEOUT_MS) + Number(FIVETRAN_CREATE_TIMEOUT_MS) + Number(SAFETY_MARGIN_MS)).toBeLessThanOrEqual(fn.Timeout * 1000);
  });

  it('dead-letters a request after 5 deliveries, keeps dead letters 14 days and tells the worker the count', () => {
    const queue = template.findResources('AWS::SQS::Queue')[ids.queue]!.Properties;
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: arn(ids.dlq), maxReceiveCount: 5 });
    expect(template.findResources('AWS::SQS::Queue')[ids.dlq]!.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(environment().MAX_RECEIVE_COUNT).toBe('5');
  });
});

function environment(): Record<string, unknown> {
  return template.findResources('AWS::Lambda::Function')[ids.fn]!.Properties.Environment.Variables;
}

/** The function's environment with references replaced by what CloudFormation puts there: a secret ARN and a bus name. */
function deployedEnvironment(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment()).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : name === 'EVENT_BUS_NAME' ? 'FivetranProvisionerBus' : 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:key-AbCdEf',
    ]),
  );
}

function bundleDir(): string {
  const s3Key = template.findResources('AWS::Lambda::Function')[ids.fn]!.Properties.Code.S3Key as string;
  return join(assemblyDir, `asset.${s3Key.replace(/\.zip$/, '')}`);
}

describe('worker function', () => {
  it('runs the provision handler on ARM64 with the newest Node.js LTS runtime, X-Ray tracing and its own log group', () => {
    expect(PROVISIONER_RUNTIME.name).toBe('nodejs24.x');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 120,
      MemorySize: 512,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogGroup: { Ref: ids.logGroup } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('sets the environment of the worker contract, from the stack resources', () => {
    expect(environment()).toEqual({
      FIVETRAN_API_URL: 'https://api.fivetran.com',
      FIVETRAN_API_SECRET_ID: { Ref: ids.secret },
      CREDENTIALS_SECRET_PREFIX: 'fivetran-provisioner/FivetranProvisioner/gitlab/',
      CREDENTIALS_SCOPE: 'group',
      EVENT_BUS_NAME: { Ref: ids.bus },
      EVENT_SOURCE: 'fivetran.provisioner',
      MAX_RECEIVE_COUNT: '5',
      FIVETRAN_REQUEST_TIMEOUT_MS: '30000',
      FIVETRAN_CREATE_TIMEOUT_MS: '65000',
      RECORD_CONCURRENCY: '5',
      SAFETY_MARGIN_MS: '5000',
      SECRETS_CACHE_TTL_SECONDS: '300',
      MAX_ATTEMPTS_PER_DELIVERY: '4',
      MAX_DEFERRAL_HOURS: '48',
      POWERTOOLS_SERVICE_NAME: 'fivetran-provisioner',
      POWERTOOLS_METRICS_NAMESPACE: 'FivetranProvisioner',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('gives the worker an environment its own configuration loader accepts', () => {
    expect(readSettings('provision', deployedEnvironment())).toMatchObject({
      fivetranApiUrl: 'https://api.fivetran.com',
      credentialsSecretPrefix: 'fivetran-provisioner/FivetranProvisioner/gitlab/',
      credentialsScope: 'group',
      eventSource: 'fivetran.provisioner',
      maxReceiveCount: 5,
      recordConcurrency: 5,
    });
  });

  it('is bundled by esbuild as a minified ES module with the createRequire banner and a source map', () => {
    const assetDir = bundleDir();
    const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
    expect(code).toMatch(/export\s*\{[^}]*\bas handler\b[^}]*\}|export\s*\{[^}]*\bhandler\b[^}]*\}/);
    expect(code.trimEnd()).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map$/);
    expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
    // Minified: long lines (only license comments and template literals keep line breaks).
    expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
  });

  it('loads as an ES module in Node.js with the deployed environment and exports handler', () => {
    // Catches what only shows at cold start: CommonJS interop in the ESM bundle, or configuration the worker refuses.
    const probe = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('./index.mjs'); console.log(Object.keys(m).join(','), typeof m.handler);"],
      {
        cwd: bundleDir(),
        env: { ...deployedEnvironment(), AWS_REGION: 'eu-west-1', AWS_LAMBDA_FUNCTION_NAME: 'provisioner' },
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(probe.stderr).toBe('');
    expect(probe.stdout.trim()).toBe('handler function');
  });

  it('reads the queue with partial batch responses, a small batch, a batching window and a concurrency cap', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arn(ids.queue),
      FunctionName: { Ref: ids.fn },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 5,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });
});

describe('worker permissions', () => {
  let statements: Statement[];
  beforeAll(() => {
    statements = allowStatements(template);
  });
  const withActionsOf = (service: string) => statements.filter((s) => actionsOf(s).some((a) => a.startsWith(`${service}:`)));

  it('grants nothing on "*" except the X-Ray actions, which have no resource-level permissions', () => {
    const onStar = statements.filter((s) => resourcesOf(s).includes('*'));
    expect(onStar.flatMap(actionsOf).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    expect(statements.flatMap(actionsOf).filter((action) => action.includes('*'))).toEqual([]);
  });

  it('reads only the API key secret and secrets under the credentials prefix, with GetSecretValue only', () => {
    const secretStatements = withActionsOf('secretsmanager');
    expect(new Set(secretStatements.flatMap(actionsOf))).toEqual(new Set(['secretsmanager:GetSecretValue']));
    expect(secretStatements.flatMap(resourcesOf)).toEqual([
      { Ref: ids.secret },
      {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':secret:fivetran-provisioner/FivetranProvisioner/gitlab/*'],
        ],
      },
    ]);
  });

  it('publishes events to its own bus only', () => {
    const eventStatements = withActionsOf('events');
    expect(eventStatements.flatMap(actionsOf)).toEqual(['events:PutEvents']);
    expect(eventStatements.flatMap(resourcesOf)).toEqual([arn(ids.bus)]);
  });

  it('may consume and re-time messages of the provisioning queue only', () => {
    const sqsStatements = withActionsOf('sqs');
    expect(sqsStatements.flatMap(resourcesOf)).toEqual(sqsStatements.map(() => arn(ids.queue)));
    expect(sqsStatements.flatMap(actionsOf)).toEqual(
      expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl']),
    );
  });

  it('writes logs to its own log group only and carries no managed policy', () => {
    const logStatements = withActionsOf('logs');
    expect(logStatements.flatMap(resourcesOf)).toEqual([arn(ids.logGroup)]);
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  it('grants no other service', () => {
    const services = new Set(statements.flatMap(actionsOf).map((action) => action.split(':')[0]));
    expect(services).toEqual(new Set(['logs', 'xray', 'sqs', 'events', 'secretsmanager']));
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

  it('publishes draft-4 JSON Schemas of both event details to a schema registry', () => {
    const schemas = Object.values(template.findResources('AWS::EventSchemas::Schema')).map((r) => r.Properties);
    const expected = outcomeEventSchemas('fivetran.provisioner');
    expect(schemas.map((s) => s.SchemaName).sort()).toEqual(
      ['fivetran.provisioner@ConnectionProvisioned', 'fivetran.provisioner@ConnectionProvisioningFailed'],
    );
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
  const alarm = (metricName: string) =>
    Object.values(template.findResources('AWS::CloudWatch::Alarm')).find((a) => a.Properties.MetricName === metricName)?.Properties;

  it('alarms when the dead-letter queue is not empty', () => {
    expect(alarm('ApproximateNumberOfMessagesVisible')).toMatchObject({
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.dlq, 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
    });
  });

  it('alarms when the oldest request waited more than an hour', () => {
    expect(alarm('ApproximateAgeOfOldestMessage')).toMatchObject({
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.queue, 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 3600,
    });
  });

  it('alarms on function errors and throttles', () => {
    for (const metricName of ['Errors', 'Throttles']) {
      expect(alarm(metricName)).toMatchObject({
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.fn } }],
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
      });
    }
  });

  it('notifies no one unless a topic or e-mail is configured', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
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
      'EventBusArn',
      'EventBusName',
      'EventSource',
      'FivetranApiSecretId',
      'FunctionName',
      'LogGroupName',
      'ProvisioningQueueArn',
      'ProvisioningQueueUrl',
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
      for (const resource of Object.values(template.findResources(type))) expect(resource.Properties?.[property], `${type}.${property}`).toBeUndefined();
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
      if (key === 'Content' && typeof value === 'string' && value.includes('draft-04')) return '[draft-4 schema generated from shared/contracts/events]';
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
    await expect(JSON.stringify(stableTemplate(), null, 2) + '\n').toMatchFileSnapshot('./__snapshots__/provisioner-stack.template.json');
  });
});
