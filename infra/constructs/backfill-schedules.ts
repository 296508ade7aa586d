import { Duration, RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNagFinding } from '../nag';
import { createEsmFunction } from './esm-function';
import { FunctionScheduleTarget, SchedulerInvokeRole } from './function-schedule-target';

export const BACKFILL_HANDLER_ENTRY = 'functions/backfill/handler.ts';
/** Long enough for thousands of lines in one go; a longer run hands over to a follow-up invocation. */
export const BACKFILL_FUNCTION_TIMEOUT = Duration.minutes(5);

/** One scheduled backfill, as the stack property declares it. */
export interface BackfillSchedule {
  /** 1 to 64 of A-Za-z0-9_-; names the run in its events and logs. */
  readonly name: string;
  /** EventBridge Scheduler expression: `cron(0 3 * * ? *)` or `rate(1 day)`. */
  readonly schedule: string;
  /** IANA time zone the cron expression is read in. @default 'UTC' */
  readonly timeZone?: string | undefined;
  /** The JSON Lines object: in `bucketName`, or in the manifest bucket (given or created). */
  readonly manifest: { readonly bucketName?: string | undefined; readonly key: string };
  /** "missing" enqueues only requests whose schema has no connection yet; "all" enqueues every valid line. @default 'missing' */
  readonly mode?: 'missing' | 'all' | undefined;
}

export interface BackfillSchedulesProps {
  readonly backfills: readonly BackfillSchedule[];
  /** An existing bucket for manifests that name no bucket; without it the stack creates one. */
  readonly manifestBucketName?: string | undefined;
  readonly queue: sqs.IQueue;
  readonly eventBus: events.IEventBus;
  /** ARN (possibly ending in `-??????`) of the Fivetran API key secret. */
  readonly apiSecretPolicyArn: string;
  /** The function's environment, rendered from the settings table (shared/runtime/settings.ts). */
  readonly environment: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
  /** The group the schedules are in, for the confused-deputy condition of the Scheduler role. */
  readonly scheduleGroup: scheduler.IScheduleGroup;
}

/**
 * Scheduled backfills: the backfill function, one EventBridge Scheduler
 * schedule per declared backfill (each passing its manifest and mode), the
 * manifest bucket when the stack owns it, and permissions narrowed to what
 * a run does: read its manifest objects, send to the provisioning queue,
 * read the API key, publish its event, and invoke itself to continue.
 */
export class BackfillSchedules extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  /** The bucket the stack created for manifests; undefined when every manifest lives in a given bucket. */
  readonly createdManifestBucket?: s3.Bucket | undefined;
  /** Name of the bucket manifests without a bucket of their own are read from, if any. */
  readonly manifestBucketName?: string | undefined;
  readonly schedules: scheduler.Schedule[];

  constructor(scope: Construct, id: string, props: BackfillSchedulesProps) {
    super(scope, id);

    const needsDefaultBucket = props.backfills.some((backfill) => backfill.manifest.bucketName === undefined);
    if (needsDefaultBucket && props.manifestBucketName === undefined) {
      this.createdManifestBucket = this.createManifestBucket();
      this.manifestBucketName = this.createdManifestBucket.bucketName;
    } else {
      this.manifestBucketName = props.manifestBucketName;
    }

    const parts = createEsmFunction(this, {
      entry: BACKFILL_HANDLER_ENTRY,
      description: 'Reconciles a manifest of provisioning requests with Fivetran and enqueues the missing ones',
      roleDescription: 'Fivetran provisioner backfill',
      timeout: BACKFILL_FUNCTION_TIMEOUT,
      memorySize: 512,
      logRetention: props.logRetention,
      environment: props.environment,
    });
    this.function = parts.function;
    this.logGroup = parts.logGroup;
    this.role = parts.role;
    // A failed invocation must not run again: its cursor may be behind lines it already sent (see backfill-handler.ts).
    this.function.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.hours(6) });

    const manifestObjects = [...new Set(props.backfills.map((backfill) => this.objectArn(backfill)))];
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadManifests',
        // GetObjectVersion: a run reads the version it started with when the bucket is versioned.
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: manifestObjects,
      }),
    );
    this.function.addToRolePolicy(
      // GetQueueAttributes: Backfill Completed reports the queue's backlog, deferred requests among it.
      new iam.PolicyStatement({
        sid: 'EnqueueRequests',
        actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
        resources: [props.queue.queueArn],
      }),
    );
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadFivetranApiKey',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [props.apiSecretPolicyArn],
      }),
    );
    props.eventBus.grantPutEventsTo(this.function);
    // In a policy of its own: in the role's default policy it would make the function depend on its own ARN.
    new iam.Policy(this, 'ContinueRunPolicy', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'InvokeSelfToContinue',
          actions: ['lambda:InvokeFunction'],
          resources: [this.function.functionArn],
        }),
      ],
    });

    const invoker = new SchedulerInvokeRole(this, 'SchedulerRole', {
      fn: this.function,
      group: props.scheduleGroup,
      description: 'Lets EventBridge Scheduler start the provisioner backfills',
    });
    this.schedules = props.backfills.map(
      (backfill) =>
        new scheduler.Schedule(this, `Schedule-${backfill.name}`, {
          description: `Backfill "${backfill.name}" of the Fivetran provisioner`,
          schedule: scheduler.ScheduleExpression.expression(backfill.schedule, TimeZone.of(backfill.timeZone ?? 'UTC')),
          target: new FunctionScheduleTarget(
            this.function,
            invoker.role,
            scheduler.ScheduleTargetInput.fromObject({
              backfill: backfill.name,
              manifest: { bucket: backfill.manifest.bucketName ?? this.manifestBucketName, key: backfill.manifest.key },
              mode: backfill.mode ?? 'missing',
            }),
          ),
        }),
    );
  }

  /** The one object a backfill reads: bucket and key exactly (validation refuses wildcards in keys). */
  private objectArn(backfill: BackfillSchedule): string {
    const bucket = backfill.manifest.bucketName ?? this.manifestBucketName!;
    return `arn:${Stack.of(this).partition}:s3:::${bucket}/${backfill.manifest.key}`;
  }

  private createManifestBucket(): s3.Bucket {
    const bucket = new s3.Bucket(this, 'ManifestBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Versioned so a run reads the manifest it started with even if the key is overwritten meanwhile.
      versioned: true,
      lifecycleRules: [{ id: 'ExpireReplacedManifests', noncurrentVersionExpiration: Duration.days(30) }],
      // Manifests are the operators' records of what was asked for: kept when the stack goes.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledgeNagFinding(
      bucket,
      'AwsSolutions-S1',
      'The bucket holds backfill manifests (provisioning requests, which carry secret references, never secret values), written by operators or CI and read by the backfill function alone; object-level access is recorded by CloudTrail data events where the account enables them. A server access log bucket would itself need this exemption and adds no audit trail that CloudTrail does not give.',
    );
    return bucket;
  }
}
