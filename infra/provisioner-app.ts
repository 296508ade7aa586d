import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { z } from 'zod';
import { closestName } from '../shared/runtime/closest-name';
import {
  contextKeyOf,
  type KnobContextKey,
  type KnobContextValue,
  type KnobName,
  type KnobSpec,
  SETTINGS,
} from '../shared/runtime/settings';
import { durationOf } from './provisioner-props';
import { ProvisionerStack, type ProvisionerStackProps } from './provisioner-stack';

/**
 * Builds the CDK app from context, so one app deploys any number of
 * provisioners: `-c stage=staging` and `-c stage=prod` give two stacks with
 * their own generated resource names. Settings come from a per-stage block in
 * cdk.json (`"stages": { "prod": { ... } }`), overridden by `-c key=value`.
 */

export const BASE_STACK_NAME = 'FivetranProvisioner';

/** A knob's context schema: `-c` values arrive as strings; its range is checked with the other properties, by the stack. */
function knobContext(spec: KnobSpec<unknown>): z.ZodType {
  const rule = spec.rule;
  if (rule.kind === 'enum' && typeof rule.values[0] === 'number') {
    return z.coerce
      .number()
      .int()
      .refine((n) => rule.values.includes(n), { error: rule.message });
  }
  if (rule.kind === 'enum') return z.enum(rule.values as [string, ...string[]]);
  if (rule.kind === 'number') return rule.min <= 0 ? z.coerce.number().int().min(0) : z.coerce.number().int().positive();
  return z.string().min(1);
}

/** Every knob the stack takes as a property, by its context key (durations carry their unit in the key). */
const knobContextShape = Object.fromEntries(
  (Object.keys(SETTINGS) as KnobName[]).flatMap((name) => {
    const context = contextKeyOf(name);
    return context === undefined ? [] : [[context.key, knobContext(SETTINGS[name])]];
  }),
) as { [K in KnobContextKey]: z.ZodType<KnobContextValue<K>> };

/** `-c key='[...]'` arrives as a string; a stage block in cdk.json holds the value itself. */
const json = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }, schema);

const scheduleContext = { schedule: z.string(), timeZone: z.string().optional() };
const backfillContext = z.strictObject({
  name: z.string(),
  ...scheduleContext,
  manifest: z.strictObject({ bucketName: z.string().optional(), key: z.string() }),
  mode: z.enum(['missing', 'all']).optional(),
});
const redriveContext = z.strictObject({ ...scheduleContext, maxMessagesPerSecond: z.number().int().optional() });

/** What can be set through context; durations carry their unit in the key. */
export const provisionerContextSchema = z
  .strictObject({
    ...knobContextShape,
    existingFivetranApiSecret: z.string().min(1),
    existingEventBusName: z.string().min(1),
    alarmTopicArn: z.string().startsWith('arn:'),
    alarmEmail: z.string().min(3),
    backfills: json(z.array(backfillContext)),
    manifestBucketName: z.string().min(3),
    redriveSchedule: json(redriveContext),
  })
  .partial();
export type ProvisionerContext = z.infer<typeof provisionerContextSchema>;

/** Context keys of this app that are not settings. */
const APP_KEYS = ['stage', 'stages'];

/**
 * A context key that looks like one of this app's settings (a plain camelCase
 * word) but is none: a typo such as `maxConcurency`, which would otherwise be
 * ignored without a word. CDK's own keys (feature flags, `aws:cdk:…`,
 * `cli-telemetry`) all hold a `:`, `@` or `-`, so they never look like one.
 */
function unknownSettingKeys(context: Record<string, unknown>): string[] {
  const known = new Set([...Object.keys(provisionerContextSchema.shape), ...APP_KEYS]);
  return Object.keys(context).filter((key) => /^[a-z][A-Za-z0-9]*$/.test(key) && !known.has(key));
}

/** Context the app cannot use; the message names the key and what it accepts. `cdk synth` prints it without a stack trace. */
export class ContextError extends Error {
  override readonly name = 'ContextError';
  readonly code = 'CONTEXT_INVALID';
}

const stageSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, { error: 'must be lowercase letters, digits and -, such as staging or prod' });

/** Reads `stage`, its block under `stages` and the flat overrides from the app's context. */
export function readProvisionerContext(app: App): { stage?: string | undefined; settings: ProvisionerContext } {
  const unknown = unknownSettingKeys(app.node.getAllContext() as Record<string, unknown>);
  if (unknown.length > 0) throw new ContextError(unknownKeysMessage(unknown, 'context'));
  const stage = app.node.tryGetContext('stage') as unknown;
  const parsedStage = stage === undefined ? undefined : parse(stageSchema, stage, 'context "stage"');
  const stages = (app.node.tryGetContext('stages') ?? {}) as Record<string, unknown>;
  const fromStage =
    parsedStage === undefined ? {} : parse(provisionerContextSchema, stages[parsedStage] ?? {}, `context "stages.${parsedStage}"`);
  const flat = Object.fromEntries(
    Object.keys(provisionerContextSchema.shape)
      .map((key) => [key, app.node.tryGetContext(key) as unknown])
      .filter(([, value]) => value !== undefined),
  );
  const overrides = parse(provisionerContextSchema, flat, 'context');
  return { stage: parsedStage, settings: { ...fromStage, ...overrides } };
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const unrecognized = result.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys' && issue.path.length === 0 ? issue.keys : [],
    );
    if (unrecognized.length > 0) throw new ContextError(unknownKeysMessage(unrecognized, where));
    throw new ContextError(
      `Invalid ${where}: ${result.error.issues.map((issue) => `${issue.path.join('.') || 'value'} ${issue.message}`).join('; ')}`,
    );
  }
  return result.data;
}

function unknownKeysMessage(keys: readonly string[], where: string): string {
  const settings = Object.keys(provisionerContextSchema.shape);
  const hints = keys.map((key) => {
    const suggestion = closestName(key, [...settings, ...APP_KEYS]);
    return `"${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`;
  });
  return `Unknown setting${keys.length > 1 ? 's' : ''} in ${where}: ${hints.join(', ')}. Known settings: ${settings.join(', ')}; and stage, stages.`;
}

/** Maps context settings onto stack properties: a knob's number becomes a Duration in its unit. */
export function stackPropsFromContext(settings: ProvisionerContext): ProvisionerStackProps {
  const props: Record<string, unknown> = {};
  for (const name of Object.keys(SETTINGS) as KnobName[]) {
    const context = contextKeyOf(name);
    const value = context === undefined ? undefined : (settings as Record<string, unknown>)[context.key];
    if (context === undefined || value === undefined) continue;
    props[SETTINGS[name].prop!] = context.unit === undefined ? value : durationOf(value as number, context.unit);
  }
  return {
    ...(props as ProvisionerStackProps),
    existingFivetranApiSecret: settings.existingFivetranApiSecret,
    existingEventBusName: settings.existingEventBusName,
    alarmEmail: settings.alarmEmail,
    alarmTopicArn: settings.alarmTopicArn,
    backfills: settings.backfills,
    manifestBucketName: settings.manifestBucketName,
    redriveSchedule: settings.redriveSchedule,
  };
}

/** Adds the provisioner stack for the context's stage to `app`, with cdk-nag's AWS Solutions checks. */
export function buildProvisionerApp(app: App): ProvisionerStack {
  const { stage, settings } = readProvisionerContext(app);
  const stackName = stage === undefined ? BASE_STACK_NAME : `${BASE_STACK_NAME}-${stage}`;
  // Environment-agnostic (no env): the account and region come from the deploying profile.
  const stack = new ProvisionerStack(app, stackName, stackPropsFromContext(settings));
  Tags.of(stack).add('Application', 'fivetran-provisioner');
  if (stage !== undefined) Tags.of(stack).add('Stage', stage);

  // Any finding not acknowledged with a reason fails `cdk synth`.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return stack;
}
