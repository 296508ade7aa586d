import { CfnResource, type Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, NagRuleCompliance, rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProvisionerApp } from '../../infra/provisioner-app';
import { ProvisionerStack } from '../../infra/provisioner-stack';
import { disposeTestApps, newTestApp } from './support';

/**
 * cdk-nag v3 runs as a CDK policy-validation plugin and reads acknowledgements
 * from `Validations.of(construct).acknowledge()`; findings no longer surface as
 * annotations, so the checks call the pack directly (`validateScope`) and
 * through a real synthesis of the app.
 */

afterAll(disposeTestApps);

// The app as `cdk synth` builds it (with the AwsSolutions plugin), plus the variants that add resources.
const app = newTestApp();
const appStack = buildProvisionerApp(app);
const variants = [
  new ProvisionerStack(app, 'WithEmailAlarms', { alarmEmail: 'oncall@example.com' }),
  new ProvisionerStack(app, 'WithExistingResources', {
    // A bound environment turns ARNs into literals: the acknowledged finding ids must still match.
    env: { account: '123456789012', region: 'eu-west-1' },
    existingFivetranApiSecret: 'shared/fivetran-api-key',
    existingEventBusName: 'integration-events',
    alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:platform-alarms',
  }),
  new ProvisionerStack(app, 'WithSchedules', {
    backfills: [
      { name: 'nightly', schedule: 'cron(0 3 * * ? *)', timeZone: 'Europe/Berlin', manifest: { key: 'teams.jsonl' } },
      { name: 'shared', schedule: 'rate(1 day)', manifest: { bucketName: 'shared-manifests', key: 'all.jsonl' }, mode: 'all' },
    ],
    redriveSchedule: { schedule: 'rate(6 hours)' },
  }),
  new ProvisionerStack(app, 'WithSchedulesBound', {
    env: { account: '123456789012', region: 'eu-west-1' },
    manifestBucketName: 'team-manifests',
    backfills: [{ name: 'nightly', schedule: 'rate(1 day)', manifest: { key: 'teams.jsonl' } }],
    redriveSchedule: { schedule: 'rate(6 hours)', maxMessagesPerSecond: 50 },
  }),
];

function unacknowledgedFindings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}: ${v.description}`));
}

type Acknowledgement = { path: string; id: string; reason: string };
function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions checks', () => {
  it.each([appStack, ...variants].map((stack) => [stack.stackName, stack] as const))(
    'reports no unacknowledged finding on %s',
    (_name, stack) => {
      expect(unacknowledgedFindings(stack)).toEqual([]);
    },
  );

  it('lets the app synthesize with the plugin registered', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('fails synthesis of the app on a new finding', () => {
    // Bundling is irrelevant here: skip it as `cdk deploy --exclusively` does.
    const other = newTestApp({ 'aws:cdk:bundling-stacks': [] });
    const stack = buildProvisionerApp(other);
    new sqs.Queue(stack, 'QueueWithoutDeadLetterQueue', { enforceSSL: true });
    expect(() => other.synth()).toThrow(/AwsSolutions-SQS3/);
    expect(unacknowledgedFindings(stack)).toEqual([
      expect.stringMatching(/^AwsSolutions-SQS3 at FivetranProvisioner\/QueueWithoutDeadLetterQueue\//),
    ]);
  });

  it('acknowledges exactly the reviewed findings, each on the narrowest construct and with a written reason', () => {
    const acks = acknowledgements(appStack);
    expect(acks.map(({ path, id }) => `${path} ${id}`).sort()).toEqual([
      'FivetranProvisioner/FivetranApiSecret AwsSolutions-SMG4',
      'FivetranProvisioner/Lifecycle/Drift/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
      'FivetranProvisioner/Lifecycle/Drift/Role/DefaultPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:fivetran-provisioner/FivetranProvisioner/gitlab/*]',
      'FivetranProvisioner/Lifecycle/Rotation/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
      'FivetranProvisioner/Lifecycle/RotationDeadLetterQueue AwsSolutions-SQS3',
      'FivetranProvisioner/Worker/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
      'FivetranProvisioner/Worker/Role/DefaultPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:fivetran-provisioner/FivetranProvisioner/gitlab/*]',
    ]);
    for (const ack of acks) expect(ack.reason.length, ack.id).toBeGreaterThan(80);
  });

  it("acknowledges, for backfills and the scheduled redrive, only the X-Ray wildcard and the manifest bucket's access logs beyond the base stack's", () => {
    const acks = acknowledgements(variants.find((stack) => stack.stackName === 'WithSchedules')!);
    expect(acks.map(({ path, id }) => `${path} ${id}`).sort()).toEqual([
      'WithSchedules/Backfill/ManifestBucket AwsSolutions-S1',
      'WithSchedules/Backfill/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
      'WithSchedules/FivetranApiSecret AwsSolutions-SMG4',
      'WithSchedules/Lifecycle/Drift/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
      'WithSchedules/Lifecycle/Drift/Role/DefaultPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:fivetran-provisioner/WithSchedules/gitlab/*]',
      'WithSchedules/Lifecycle/Rotation/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
      'WithSchedules/Lifecycle/RotationDeadLetterQueue AwsSolutions-SQS3',
      'WithSchedules/Redrive/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
      'WithSchedules/Worker/Role/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
      'WithSchedules/Worker/Role/DefaultPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:fivetran-provisioner/WithSchedules/gitlab/*]',
    ]);
    for (const ack of acks) expect(ack.reason.length, ack.id).toBeGreaterThan(80);
  });

  it('acknowledges only findings the rules really raise (no stale acknowledgement)', () => {
    for (const stack of [appStack, ...variants]) {
      for (const ack of acknowledgements(stack)) {
        const construct = stack.node.findAll().find((c) => c.node.path === ack.path)!;
        const resources = construct.node.findAll().filter(CfnResource.isCfnResource);
        const finding = /^AwsSolutions-IAM5\[(.*)\]$/.exec(ack.id);
        if (finding) {
          const raised = resources.flatMap((r) => [rules.iam.IAMNoWildcardPermissions(r)].flat());
          expect(raised, `${ack.path} ${ack.id}`).toContain(finding[1]);
        } else if (ack.id === 'AwsSolutions-SMG4') {
          expect(resources.map((r) => rules.secretsmanager.SecretsManagerRotationEnabled(r))).toContain(NagRuleCompliance.NON_COMPLIANT);
        } else if (ack.id === 'AwsSolutions-SQS3') {
          expect(resources.map((r) => rules.sqs.SQSQueueDLQ(r))).toContain(NagRuleCompliance.NON_COMPLIANT);
        } else if (ack.id === 'AwsSolutions-S1') {
          expect(resources.map((r) => rules.s3.S3BucketLoggingEnabled(r))).toContain(NagRuleCompliance.NON_COMPLIANT);
        } else {
          throw new Error(`no check for acknowledged rule ${ack.id}: add one here`);
        }
      }
    }
  });

  it('leaves no AwsSolutions (or any other) warning or error annotation on the stacks', () => {
    for (const stack of [appStack, ...variants]) {
      const annotations = Annotations.fromStack(stack);
      expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
      expect(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
      expect(annotations.findError('*', Match.anyValue())).toEqual([]);
      expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
    }
  });
});
