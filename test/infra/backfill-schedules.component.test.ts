import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKFILL_FUNCTION_TIMEOUT } from '../../infra/constructs/backfill-schedules';
import { backfillEventSchema } from '../../infra/event-schemas';
import { readSettings } from '../../shared/runtime/settings';
import { buildScheduleStacks, byService, logicalId, roleOf, statementsOfRole } from './schedule-stacks';
import { actionsOf, arn, disposeTestApps, resourcesOf, type Statement } from './support';

afterAll(disposeTestApps);

const { app, stacks, template } = buildScheduleStacks();
let assemblyDir: string;
beforeAll(() => {
  assemblyDir = app.synth().directory;
});

/** A schedule's input, with `{Ref: X}` written as `<X>`, parsed. */
function scheduleInput(schedule: { [key: string]: any }): unknown {
  const input: unknown = schedule.Properties.Target.Input;
  if (typeof input === 'string') return JSON.parse(input);
  const [, parts] = (input as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : `<${(part as { Ref: string }).Ref}>`)).join(''));
}
describe('backfill schedules', () => {
  const stack = stacks.WithSchedules;
  let t: Template;
  let ids: { fn: string; role: string; bucket: string; queue: string; bus: string; secret: string; schedulerRole: string; ledger: string };
  beforeAll(() => {
    t = template('WithSchedules');
    const fn = logicalId(stack, stack.backfills!.function);
    ids = {
      fn,
      role: roleOf(t, fn),
      bucket: logicalId(stack, stack.backfills!.createdManifestBucket!),
      queue: logicalId(stack, stack.queue.queue),
      bus: logicalId(stack, stack.outcomeEvents.eventBus),
      secret: logicalId(stack, stack.fivetranApiSecret!),
      schedulerRole: logicalId(stack, stack.backfills!.node.findChild('SchedulerRole').node.findChild('Role')),
      ledger: logicalId(stack, stack.lifecycle.table),
    };
  });
  const schedule = (name: string) =>
    Object.values(t.findResources('AWS::Scheduler::Schedule')).find((s) =>
      JSON.stringify(s.Properties.Target.Input).includes(`\\"backfill\\":\\"${name}\\"`),
    )!;

  it('declares one schedule per backfill, in the default schedule group, with its expression and time zone', () => {
    t.resourceCountIs('AWS::Scheduler::Schedule', 3);
    expect(schedule('nightly').Properties).toMatchObject({
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: arn(ids.fn),
        RoleArn: arn(ids.schedulerRole),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
      },
    });
    expect(schedule('weekly-all').Properties).toMatchObject({ ScheduleExpression: 'rate(7 days)', ScheduleExpressionTimezone: 'UTC' });
    expect(schedule('nightly').Properties.GroupName).toBeUndefined();
    t.resourceCountIs('AWS::Scheduler::ScheduleGroup', 0);
  });

  it('passes each schedule its manifest (the created bucket unless the backfill names one) and mode', () => {
    expect(scheduleInput(schedule('nightly'))).toEqual({
      backfill: 'nightly',
      manifest: { bucket: `<${ids.bucket}>`, key: 'manifests/teams.jsonl' },
      mode: 'missing',
    });
    expect(scheduleInput(schedule('weekly-all'))).toEqual({
      backfill: 'weekly-all',
      manifest: { bucket: 'shared-manifests', key: 'all.jsonl' },
      mode: 'all',
    });
  });

  it('lets only EventBridge Scheduler, for this account and schedule group, invoke the backfill function, unqualified', () => {
    const role = t.findResources('AWS::IAM::Role')[ids.schedulerRole]!.Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: {
          StringEquals: {
            'aws:SourceAccount': { Ref: 'AWS::AccountId' },
            'aws:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':scheduler:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':schedule-group/default',
                ],
              ],
            },
          },
        },
      },
    ]);
    expect(statementsOfRole(t, ids.schedulerRole)).toEqual([
      { Sid: 'InvokeOneFunction', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: arn(ids.fn) },
    ]);
  });

  it('creates an encrypted, versioned, TLS-only manifest bucket that blocks public access', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: ids.bucket },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    expect(t.findResources('AWS::S3::Bucket')[ids.bucket]!.DeletionPolicy).toBe('Retain');
    t.hasOutput('ManifestBucketName', { Value: { Ref: ids.bucket } });
  });

  it('runs the backfill handler with a five-minute timeout and never retries a failed asynchronous invocation', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: BACKFILL_FUNCTION_TIMEOUT.toSeconds(),
    });
    t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: ids.fn },
      MaximumRetryAttempts: 0,
      Qualifier: '$LATEST',
    });
  });

  it('gives the backfill an environment its configuration loader accepts', () => {
    const env = t.findResources('AWS::Lambda::Function')[ids.fn]!.Properties.Environment.Variables as Record<string, unknown>;
    const deployed = Object.fromEntries(
      Object.entries(env).map(([name, value]) => [
        name,
        typeof value === 'string'
          ? value
          : name === 'PROVISIONING_QUEUE_URL'
            ? 'https://sqs.eu-west-1.amazonaws.com/123456789012/q'
            : 'resolved-at-deploy',
      ]),
    );
    expect(env).toMatchObject({
      PROVISIONING_QUEUE_URL: { Ref: ids.queue },
      FIVETRAN_API_SECRET_ID: { Ref: ids.secret },
      EVENT_BUS_NAME: { Ref: ids.bus },
      LEDGER_TABLE_NAME: { Ref: ids.ledger },
      HANDOFF_MARGIN_MS: '60000',
    });
    expect(readSettings('backfill', deployed)).toMatchObject({
      fivetranApiUrl: 'https://api.fivetran.com',
      eventSource: 'fivetran.provisioner',
      handoffMarginMs: 60_000,
    });
  });

  describe('backfill permissions', () => {
    let statements: Statement[];
    beforeAll(() => {
      statements = statementsOfRole(t, ids.role);
    });

    it('reads its manifest objects only, by exact key', () => {
      const s3 = byService(statements, 's3');
      expect(s3.flatMap(actionsOf).sort()).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
      expect(s3.flatMap(resourcesOf)).toEqual([
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: ids.bucket }, '/manifests/teams.jsonl']] },
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::shared-manifests/all.jsonl']] },
      ]);
    });

    it('sends to the provisioning queue only and reads its counts, and does nothing else with SQS', () => {
      const sqs = byService(statements, 'sqs');
      expect(sqs.flatMap(actionsOf).sort()).toEqual(['sqs:GetQueueAttributes', 'sqs:SendMessage']);
      expect(sqs.flatMap(resourcesOf)).toEqual([arn(ids.queue)]);
    });

    it('reads items of the ledger table only: no write, no query, no index', () => {
      expect(byService(statements, 'dynamodb')).toEqual([
        expect.objectContaining({ Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem'], Resource: arn(ids.ledger) }),
      ]);
    });

    it('reads the API key secret only, publishes to its bus only, and invokes only itself', () => {
      expect(byService(statements, 'secretsmanager')).toEqual([
        expect.objectContaining({ Action: 'secretsmanager:GetSecretValue', Resource: { Ref: ids.secret } }),
      ]);
      expect(byService(statements, 'events')).toEqual([expect.objectContaining({ Action: 'events:PutEvents', Resource: arn(ids.bus) })]);
      expect(byService(statements, 'lambda')).toEqual([
        expect.objectContaining({ Action: 'lambda:InvokeFunction', Resource: arn(ids.fn) }),
      ]);
    });

    it('grants nothing on "*" but the X-Ray actions, and no other service', () => {
      expect(
        statements
          .filter((s) => resourcesOf(s).includes('*'))
          .flatMap(actionsOf)
          .sort(),
      ).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
      expect(new Set(statements.flatMap(actionsOf).map((a) => a.split(':')[0]))).toEqual(
        new Set(['logs', 'xray', 's3', 'sqs', 'secretsmanager', 'events', 'lambda', 'dynamodb']),
      );
      template('WithSchedules').hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    });
  });

  it('registers the Backfill Completed schema next to the outcome events', () => {
    const schemas = Object.values(t.findResources('AWS::EventSchemas::Schema')).map((r) => r.Properties);
    const backfill = schemas.find((s) => s.SchemaName === 'fivetran.provisioner@BackfillCompleted')!;
    expect(JSON.parse(backfill.Content)).toEqual(backfillEventSchema('fivetran.provisioner').content);
    // The two outcome events, the six lifecycle events and this one.
    expect(schemas).toHaveLength(9);
  });

  it('bundles the backfill and redrive handlers as ES modules that load in Node.js with their environment', () => {
    for (const [fn, env] of [
      [
        ids.fn,
        {
          FIVETRAN_API_SECRET_ID: 'key',
          PROVISIONING_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q',
          EVENT_BUS_NAME: 'bus',
        },
      ],
      [
        logicalId(stack, stack.redrive!.function),
        {
          DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq',
          DEAD_LETTER_QUEUE_ARN: 'arn:aws:sqs:eu-west-1:123456789012:dlq',
          DESTINATION_QUEUE_ARN: 'arn:aws:sqs:eu-west-1:123456789012:q',
        },
      ],
    ] as const) {
      const s3Key = t.findResources('AWS::Lambda::Function')[fn]!.Properties.Code.S3Key as string;
      const probe = spawnSync(
        process.execPath,
        ['--input-type=module', '-e', "const m = await import('./index.mjs'); console.log(typeof m.handler);"],
        {
          cwd: join(assemblyDir, `asset.${s3Key.replace(/\.zip$/, '')}`),
          env: { ...env, AWS_REGION: 'eu-west-1', AWS_LAMBDA_FUNCTION_NAME: 'probe' },
          encoding: 'utf8',
          timeout: 20_000,
        },
      );
      expect(probe.stderr).toBe('');
      expect(probe.stdout.trim()).toBe('function');
    }
  });
});

describe('other manifest buckets and schedules', () => {
  it('reads manifests from an existing bucket without creating one', () => {
    const t = template('ExistingManifestBucket');
    const stack = stacks.ExistingManifestBucket;
    t.resourceCountIs('AWS::S3::Bucket', 0);
    const statements = statementsOfRole(t, roleOf(t, logicalId(stack, stack.backfills!.function)));
    expect(byService(statements, 's3').flatMap(resourcesOf)).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::team-manifests/a.jsonl']] },
    ]);
    t.hasOutput('ManifestBucketName', { Value: 'team-manifests' });
  });

  it('adds only the redrive function and its schedule for a redrive schedule alone', () => {
    const t = template('RedriveOnly');
    // The worker, the redrive, and the rotation fan-out and drift check every stack has.
    t.resourceCountIs('AWS::Lambda::Function', 4);
    t.resourceCountIs('AWS::Scheduler::Schedule', 1);
    t.resourceCountIs('AWS::S3::Bucket', 0);
    // The outcome and lifecycle events', without Backfill Completed.
    t.resourceCountIs('AWS::EventSchemas::Schema', 8);
    expect(Object.keys(t.findOutputs('*'))).toEqual(expect.arrayContaining(['RedriveFunctionName']));
    expect(Object.keys(t.findOutputs('*'))).not.toContain('BackfillFunctionName');
  });
});

describe('template snapshot with schedules', () => {
  it('matches the reviewed template of a stack with backfills and a scheduled redrive', async () => {
    // Masked as in provisioner-stack.test.ts: bundle hashes change with any code, schema documents are checked above.
    const stable = JSON.parse(JSON.stringify(template('WithSchedules').toJSON()), (key, value) => {
      if (key === 'S3Key' && typeof value === 'string') return value.replace(/^[0-9a-f]{64}/, '[bundle hash]');
      if (key === 'Content' && typeof value === 'string' && value.includes('draft-04')) return '[draft-4 schema generated from shared/]';
      return value;
    });
    await expect(`${JSON.stringify(stable, null, 2)}\n`).toMatchFileSnapshot(
      './__snapshots__/provisioner-stack-with-schedules.template.json',
    );
  });
});
