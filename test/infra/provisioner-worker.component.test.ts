import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER, PROVISIONER_RUNTIME } from '../../infra/constructs/provisioner-function';
import { readSettings } from '../../shared/runtime/settings';
import {
  actionsOf,
  arn,
  disposeTestApps,
  functionEnvironment,
  functionStatements,
  resourcesOf,
  type StackIds,
  type Statement,
  secretPrefixArn,
  synthDefaultStack,
} from './support';

// One synthesis (and one real esbuild bundle of the worker) for the whole file.
let template: Template;
let assemblyDir: string;
let ids: StackIds;
beforeAll(() => ({ template, assemblyDir, ids } = synthDefaultStack()));
afterAll(disposeTestApps);

const environment = () => functionEnvironment(template, ids.fn);

/** The function's environment with references replaced by what CloudFormation puts there: a secret ARN and a bus name. */
function deployedEnvironment(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment()).map(([name, value]) => [
      name,
      typeof value === 'string'
        ? value
        : name === 'EVENT_BUS_NAME'
          ? 'FivetranProvisionerBus'
          : 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:key-AbCdEf',
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
      LEDGER_TABLE_NAME: { Ref: ids.ledger },
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
    statements = functionStatements(template, ids.fn);
  });
  const withActionsOf = (service: string) => statements.filter((s) => actionsOf(s).some((a) => a.startsWith(`${service}:`)));

  it('grants nothing on "*" except the X-Ray actions, which have no resource-level permissions', () => {
    const onStar = statements.filter((s) => resourcesOf(s).includes('*'));
    expect(onStar.flatMap(actionsOf).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    expect(statements.flatMap(actionsOf).filter((action) => action.includes('*'))).toEqual([]);
  });

  it('reads the API key secret, and reads and describes secrets under the credentials prefix, and nothing else of Secrets Manager', () => {
    const secretStatements = withActionsOf('secretsmanager');
    expect(secretStatements.map((s) => actionsOf(s).sort())).toEqual([
      ['secretsmanager:GetSecretValue'],
      ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
    ]);
    expect(secretStatements.flatMap(resourcesOf)).toEqual([
      { Ref: ids.secret },
      secretPrefixArn('fivetran-provisioner/FivetranProvisioner/gitlab/'),
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
    expect(services).toEqual(new Set(['logs', 'xray', 'sqs', 'events', 'secretsmanager', 'dynamodb']));
  });

  it('reads, writes and removes ledger items and queries the secret index, with no Scan and nothing on another table', () => {
    const ledgerStatements = withActionsOf('dynamodb');
    expect(ledgerStatements.flatMap(actionsOf).sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(ledgerStatements.flatMap(resourcesOf)).toEqual([arn(ids.ledger), { 'Fn::Join': ['', [arn(ids.ledger), '/index/bySecret']] }]);
  });
});
