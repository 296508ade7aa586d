import { Template } from 'aws-cdk-lib/assertions';
import { ProvisionerStack, type ProvisionerStackProps } from '../../infra/provisioner-stack';
import { actionsOf, newTestApp, type Statement } from './support';

/** Stacks with backfills and a scheduled redrive, in one app built before its first synthesis, so every function is bundled once. */
export const VARIANTS = {
  WithSchedules: {
    backfills: [
      { name: 'nightly', schedule: 'cron(0 3 * * ? *)', timeZone: 'Europe/Berlin', manifest: { key: 'manifests/teams.jsonl' } },
      { name: 'weekly-all', schedule: 'rate(7 days)', manifest: { bucketName: 'shared-manifests', key: 'all.jsonl' }, mode: 'all' },
    ],
    redriveSchedule: { schedule: 'rate(6 hours)', maxMessagesPerSecond: 20 },
  },
  ExistingManifestBucket: {
    manifestBucketName: 'team-manifests',
    backfills: [{ name: 'daily', schedule: 'rate(1 day)', manifest: { key: 'a.jsonl' } }],
  },
  RedriveOnly: { redriveSchedule: { schedule: 'cron(0 6 * * ? *)' } },
} satisfies Record<string, ProvisionerStackProps>;

export type Variant = keyof typeof VARIANTS;

export function buildScheduleStacks() {
  const app = newTestApp();
  const stacks = Object.fromEntries(Object.entries(VARIANTS).map(([id, props]) => [id, new ProvisionerStack(app, id, props)])) as Record<
    Variant,
    ProvisionerStack
  >;
  return { app, stacks, template: (id: Variant) => Template.fromStack(stacks[id]) };
}

export const logicalId = (stack: ProvisionerStack, construct: { node: { defaultChild?: unknown } } | object) =>
  stack.getLogicalId(((construct as { node: { defaultChild: unknown } }).node.defaultChild ?? construct) as never);

/** Every Allow statement of the policies attached to one role. */
export function statementsOfRole(t: Template, roleId: string): Statement[] {
  return Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId })))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[])
    .filter((statement) => statement.Effect === 'Allow');
}
export const roleOf = (t: Template, functionId: string) =>
  (t.findResources('AWS::Lambda::Function')[functionId]!.Properties.Role['Fn::GetAtt'] as string[])[0]!;
export const byService = (statements: Statement[], service: string) =>
  statements.filter((s) => actionsOf(s).some((a) => a.startsWith(`${service}:`)));
