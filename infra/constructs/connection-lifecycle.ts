import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LEDGER_TABLE_LAYOUT } from '../../shared/ledger/ledger';
import { acknowledgeNagFinding, iamWildcardResourceFindingId } from '../nag';
import { createEsmFunction } from './esm-function';

export const ROTATION_HANDLER_ENTRY = 'functions/rotation/handler.ts';
export const DRIFT_HANDLER_ENTRY = 'functions/drift/handler.ts';

/** The ledger's operations, by who needs them (shared/ledger/dynamodb-ledger.ts makes these calls and no others). */
export const LEDGER_ACTIONS = {
  /** DeleteItem: only the removal of a dead-lettered request's deferral note, on condition that it is one. */
  worker: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
  rotation: ['dynamodb:Query'],
  drift: ['dynamodb:Query', 'dynamodb:Scan'],
  /** Which requests the worker deferred (functions/backfill/deferred-requests.ts): reads of request items only. */
  backfill: ['dynamodb:BatchGetItem', 'dynamodb:GetItem'],
} as const;

export interface ConnectionLifecycleProps {
  readonly queue: sqs.IQueue;
  /** Secret-name prefix of the GitLab credentials secrets; ends with "/". */
  readonly credentialsSecretPrefix: string;
  readonly driftCheckInterval: Duration;
  readonly logRetention: logs.RetentionDays;
  /** Each function's environment, rendered from the settings table once the ledger table's name is known. */
  readonly rotationEnvironment: (ledgerTableName: string) => Record<string, string>;
  readonly driftEnvironment: (ledgerTableName: string) => Record<string, string>;
}

/**
 * What keeps connections in step with their credentials: the ledger table,
 * the rotation fan-out (a rule on the account's default bus, where Secrets
 * Manager sends `Secret Label Updated`) and the scheduled drift check. Both
 * functions only put reapply_credentials requests on the provisioning queue;
 * the worker applies them.
 */
export class ConnectionLifecycle extends Construct {
  readonly table: dynamodb.Table;
  readonly rotation: nodejs.NodejsFunction;
  readonly drift: nodejs.NodejsFunction;
  readonly rotationRule: events.Rule;
  /** Rotation events the fan-out failed on after every retry. */
  readonly rotationDeadLetterQueue: sqs.Queue;
  readonly driftRule: events.Rule;

  constructor(scope: Construct, id: string, props: ConnectionLifecycleProps) {
    super(scope, id);
    const { partitionKey, secretIndex, expiryAttribute } = LEDGER_TABLE_LAYOUT;
    this.table = new dynamodb.Table(this, 'Ledger', {
      partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
      // Only the creation budget's window items carry it (shared/ledger/budget-schedule.ts): one a window would pile up.
      timeToLiveAttribute: expiryAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // The ledger is the only record of which connections the provisioner made: it outlives the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: secretIndex.name,
      partitionKey: { name: secretIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: secretIndex.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    const tableName = this.table.tableName;
    const indexArn = `${this.table.tableArn}/index/${secretIndex.name}`;

    const rotation = createEsmFunction(new Construct(this, 'Rotation'), {
      entry: ROTATION_HANDLER_ENTRY,
      description: 'Sends reapply_credentials requests for the connections behind a rotated GitLab credentials secret',
      roleDescription: 'Fivetran provisioner rotation fan-out',
      timeout: Duration.seconds(60),
      memorySize: 256,
      logRetention: props.logRetention,
      environment: props.rotationEnvironment(tableName),
    });
    this.rotation = rotation.function;
    this.rotation.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'QueryLedgerBySecret', actions: [...LEDGER_ACTIONS.rotation], resources: [indexArn] }),
    );
    this.rotation.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'SendToProvisioningQueue', actions: ['sqs:SendMessage'], resources: [props.queue.queueArn] }),
    );

    this.rotationDeadLetterQueue = new sqs.Queue(this, 'RotationDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeNagFinding(
      this.rotationDeadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is the dead-letter queue of the rotation rule target: the events EventBridge could not deliver after its retries. An alarm fires when it is not empty.',
    );
    this.rotationRule = new events.Rule(this, 'RotationRule', {
      description: 'Secrets Manager moved AWSCURRENT on a GitLab credentials secret of the provisioner',
      eventBus: events.EventBus.fromEventBusName(this, 'DefaultBus', 'default'),
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: ['Secret Label Updated'],
        detail: { labelUpdated: ['AWSCURRENT'], name: events.Match.prefix(props.credentialsSecretPrefix) },
      },
      targets: [
        new targets.LambdaFunction(this.rotation, {
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
          deadLetterQueue: this.rotationDeadLetterQueue,
        }),
      ],
    });

    const drift = createEsmFunction(new Construct(this, 'Drift'), {
      entry: DRIFT_HANDLER_ENTRY,
      description: 'Compares each GitLab credentials secret in use with the version its connections were given',
      roleDescription: 'Fivetran provisioner drift check',
      timeout: Duration.minutes(5),
      memorySize: 256,
      logRetention: props.logRetention,
      environment: props.driftEnvironment(tableName),
    });
    this.drift = drift.function;
    this.drift.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'ReadLedgerBySecret', actions: [...LEDGER_ACTIONS.drift], resources: [indexArn] }),
    );
    this.drift.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'SendToProvisioningQueue', actions: ['sqs:SendMessage'], resources: [props.queue.queueArn] }),
    );
    const credentialsArn = credentialsSecretsArn(this, props.credentialsSecretPrefix);
    this.drift.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'DescribeGitLabCredentials',
        actions: ['secretsmanager:DescribeSecret'],
        resources: [credentialsArn],
      }),
    );
    acknowledgeNagFinding(
      drift.role.node.findChild('DefaultPolicy'),
      iamWildcardResourceFindingId(this, credentialsArn),
      'The drift check describes every GitLab credentials secret in use, which are named by the requests: DescribeSecret (no value) on the credentials prefix only.',
    );
    this.driftRule = new events.Rule(this, 'DriftSchedule', {
      description: 'Runs the provisioner drift check',
      schedule: events.Schedule.rate(props.driftCheckInterval),
      targets: [
        new targets.LambdaFunction(this.drift, { retryAttempts: 2, event: events.RuleTargetInput.fromObject({ source: 'schedule' }) }),
      ],
    });
  }

  /** The backfill's share of the ledger: read items of the table, nothing else (no index, no write). */
  grantBackfill(fn: iam.IGrantable): void {
    fn.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ReadDeferredRequests', actions: [...LEDGER_ACTIONS.backfill], resources: [this.table.tableArn] }),
    );
  }

  /** The worker's share of the ledger: read and write items, query the secret index; no Scan. */
  grantWorker(fn: iam.IGrantable): void {
    fn.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'UseLedger',
        actions: [...LEDGER_ACTIONS.worker],
        resources: [this.table.tableArn, `${this.table.tableArn}/index/${LEDGER_TABLE_LAYOUT.secretIndex.name}`],
      }),
    );
  }
}

/** `arn:…:secret:<prefix>*`: every secret under the credentials prefix. */
export function credentialsSecretsArn(scope: Construct, prefix: string): string {
  return Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${prefix}*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
