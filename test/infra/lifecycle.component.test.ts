import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { ProvisionerStack } from '../../infra/provisioner-stack';
import {
  actionsOf,
  arn,
  disposeTestApps,
  functionStatements,
  newTestApp,
  resourcesOf,
  type Statement,
  secretPrefixArn,
  workerFunctionId,
} from './support';

/** The ledger, the rotation fan-out and the drift check, as the template declares them (no bundling: only the template matters). */
afterAll(disposeTestApps);

const app = newTestApp({ 'aws:cdk:bundling-stacks': [] });
const stack = new ProvisionerStack(app, 'Lifecycle', { credentialsSecretPrefix: 'teams/gitlab/' });
const t = Template.fromStack(stack);
const id = (construct: { node: { defaultChild?: unknown } } | undefined): string =>
  stack.getLogicalId(construct?.node.defaultChild as never);
const ledgerId = id(stack.lifecycle.table);
const queueId = id(stack.queue.queue);
const rotationId = id(stack.lifecycle.rotation);
const driftId = id(stack.lifecycle.drift);
const indexArn = { 'Fn::Join': ['', [arn(ledgerId), '/index/bySecret']] };
const prefixArn = secretPrefixArn('teams/gitlab/');
/** A function's statements other than its logs and X-Ray, by service. */
const grants = (fnId: string): Statement[] =>
  functionStatements(t, fnId).filter((s) => !actionsOf(s).some((a) => a.startsWith('logs:') || a.startsWith('xray:')));

describe('the ledger table', () => {
  it('is on demand, with point-in-time recovery, encrypted, kept when the stack goes, and has the bySecret index', () => {
    const table = t.findResources('AWS::DynamoDB::Table')[ledgerId]!;
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'bySecret',
          KeySchema: [
            { AttributeName: 'secretName', KeyType: 'HASH' },
            { AttributeName: 'connectionId', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
  });

  it('lets DynamoDB delete the items that carry expiresAt (the creation budget windows)', () => {
    const table = t.findResources('AWS::DynamoDB::Table')[ledgerId]!;
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });

  it('is named to the worker, the rotation fan-out and the drift check', () => {
    for (const fnId of [workerFunctionId(t), rotationId, driftId]) {
      expect(t.findResources('AWS::Lambda::Function')[fnId]!.Properties.Environment.Variables.LEDGER_TABLE_NAME).toEqual({ Ref: ledgerId });
    }
  });
});

describe('the rotation fan-out', () => {
  it('is invoked by a rule on the default bus for AWSCURRENT moving on a secret under the credentials prefix, with retries and a dead-letter queue', () => {
    const rules = Object.values(t.findResources('AWS::Events::Rule')).filter((r) => r.Properties.EventBusName === 'default');
    expect(rules).toHaveLength(1);
    const rule = rules[0]!.Properties;
    expect(rule.EventPattern).toEqual({
      source: ['aws.secretsmanager'],
      'detail-type': ['Secret Label Updated'],
      detail: { labelUpdated: ['AWSCURRENT'], name: [{ prefix: 'teams/gitlab/' }] },
    });
    expect(rule.Targets).toEqual([
      expect.objectContaining({
        Arn: arn(rotationId),
        RetryPolicy: expect.objectContaining({ MaximumRetryAttempts: expect.any(Number) }),
        DeadLetterConfig: { Arn: arn(id(stack.lifecycle.rotationDeadLetterQueue)) },
      }),
    ]);
  });

  it('may query the ledger index and send to the provisioning queue, and nothing else', () => {
    expect(grants(rotationId).map((s) => [actionsOf(s), resourcesOf(s)])).toEqual([
      [['dynamodb:Query'], [indexArn]],
      [['sqs:SendMessage'], [arn(queueId)]],
    ]);
  });
});

describe('the drift check', () => {
  it('runs on a schedule, hourly by default', () => {
    const scheduled = Object.values(t.findResources('AWS::Events::Rule')).filter((r) => r.Properties.ScheduleExpression !== undefined);
    expect(scheduled.map((r) => [r.Properties.ScheduleExpression, r.Properties.Targets[0].Arn])).toEqual([['rate(1 hour)', arn(driftId)]]);
  });

  it('may read the ledger index, send to the provisioning queue and describe secrets under the credentials prefix, and nothing else', () => {
    expect(grants(driftId).map((s) => [actionsOf(s), resourcesOf(s)])).toEqual([
      [['dynamodb:Query', 'dynamodb:Scan'], [indexArn]],
      [['sqs:SendMessage'], [arn(queueId)]],
      [['secretsmanager:DescribeSecret'], [prefixArn]],
    ]);
  });
});

describe('lifecycle alarms', () => {
  const alarms = () => Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);

  it('alarms at the first failed setup test of re-applied credentials, on the metric the worker emits', () => {
    expect(alarms().filter((a) => a.MetricName === 'CredentialsSetupTestsFailed')).toEqual([
      expect.objectContaining({
        Namespace: 'FivetranProvisioner',
        Dimensions: [{ Name: 'service', Value: 'fivetran-provisioner' }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    ]);
  });

  it('alarms on errors of both functions and on a rotation event in the dead-letter queue', () => {
    const errorsOf = alarms()
      .filter((a) => a.MetricName === 'Errors')
      .map((a) => a.Dimensions[0].Value.Ref);
    expect(errorsOf).toEqual(expect.arrayContaining([rotationId, driftId]));
    const dlqName = { 'Fn::GetAtt': [id(stack.lifecycle.rotationDeadLetterQueue), 'QueueName'] };
    expect(alarms().filter((a) => JSON.stringify(a.Dimensions?.[0]?.Value) === JSON.stringify(dlqName))).toHaveLength(1);
  });
});
