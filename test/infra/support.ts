import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildProvisionerApp } from '../../infra/provisioner-app';

/** cdk.json's context (feature flags): tests synthesize with the flags `cdk synth` uses. */
export const CDK_JSON = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  app: string;
  context: Record<string, unknown>;
};

/** Test apps write to a temporary cloud assembly; `dispose` removes them all. */
const outdirs: string[] = [];

export function newTestApp(context: Record<string, unknown> = {}): App {
  const outdir = mkdtempSync(join(tmpdir(), 'provisioner-infra-test-'));
  outdirs.push(outdir);
  return new App({ outdir, context: { ...CDK_JSON.context, ...context } });
}

export function disposeTestApps(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown };

/** Every Allow statement of every IAM policy in the template (policies and inline role policies). */
export function allowStatements(template: Template): Statement[] {
  const documents: Array<{ Statement: Statement[] }> = [];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) documents.push(policy.Properties.PolicyDocument);
  for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
    for (const inline of role.Properties?.Policies ?? []) documents.push(inline.PolicyDocument);
  }
  return documents.flatMap((document) => document.Statement).filter((statement) => statement.Effect === 'Allow');
}

/** The Allow statements of the policies attached to one function's role. */
export function functionStatements(template: Template, functionId: string): Statement[] {
  const fn = template.findResources('AWS::Lambda::Function')[functionId]!;
  const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as Array<{ Ref?: string }>).some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[])
    .filter((statement) => statement.Effect === 'Allow');
}

export const actionsOf = (statement: Statement): string[] => [statement.Action].flat();
export const resourcesOf = (statement: Statement): unknown[] => [statement.Resource].flat();

/** Logical id of the only resource of `type` in the template. */
export function onlyLogicalId(template: Template, type: string): string {
  const ids = Object.keys(template.findResources(type));
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return ids[0]!;
}

/** Logical id of the worker: the function the queue's event source mapping invokes. */
export function workerFunctionId(template: Template): string {
  const mapping = template.findResources('AWS::Lambda::EventSourceMapping')[onlyLogicalId(template, 'AWS::Lambda::EventSourceMapping')]!;
  return mapping.Properties.FunctionName.Ref as string;
}

/** Logical id of the worker's log group. */
export function workerLogGroupId(template: Template): string {
  const fn = template.findResources('AWS::Lambda::Function')[workerFunctionId(template)]!;
  return fn.Properties.LoggingConfig.LogGroup.Ref as string;
}

/** `value` with the stack's tokens resolved, as the template will hold it. */
export const resolve = (stack: Stack, value: unknown): unknown => stack.resolve(value);

/** The logical ids of the default stack's parts that the tests name. */
export interface StackIds {
  queue: string;
  dlq: string;
  fn: string;
  bus: string;
  secret: string;
  logGroup: string;
  registry: string;
  ledger: string;
}

/** The stack as `cdk synth` builds it by default (with one real esbuild bundle of the worker), its cloud assembly and its parts' ids. */
export function synthDefaultStack(): { template: Template; assemblyDir: string; ids: StackIds } {
  const app = newTestApp();
  const template = Template.fromStack(buildProvisionerApp(app));
  const assemblyDir = app.synth().directory;
  const queues = template.findResources('AWS::SQS::Queue');
  const queueId = Object.keys(queues).find((id) => queues[id]!.Properties.RedrivePolicy !== undefined)!;
  const ids = {
    queue: queueId,
    dlq: queues[queueId]!.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0] as string,
    fn: workerFunctionId(template),
    bus: onlyLogicalId(template, 'AWS::Events::EventBus'),
    secret: onlyLogicalId(template, 'AWS::SecretsManager::Secret'),
    logGroup: workerLogGroupId(template),
    registry: onlyLogicalId(template, 'AWS::EventSchemas::Registry'),
    ledger: onlyLogicalId(template, 'AWS::DynamoDB::Table'),
  };
  return { template, assemblyDir, ids };
}

export const arn = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

/** The environment variables of a function of the template. */
export function functionEnvironment(template: Template, logicalId: string): Record<string, unknown> {
  return template.findResources('AWS::Lambda::Function')[logicalId]!.Properties.Environment.Variables;
}

/** The ARN pattern the stack grants Secrets Manager access on: every secret whose name starts with `prefix`, in the stack's account and region. */
export function secretPrefixArn(prefix: string): unknown {
  return {
    'Fn::Join': [
      '',
      ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:secret:${prefix}*`],
    ],
  };
}
