import { fileURLToPath } from 'node:url';
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNagFinding, iamWildcardResourceFindingId } from '../nag';

/** The repository root: bundling paths are resolved from it, not from the caller's working directory. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PROVISION_HANDLER_ENTRY = 'functions/provision/handler.ts';

/**
 * The newest Node.js LTS runtime Lambda offers in this aws-cdk-lib. Named
 * explicitly (not `NODEJS_LATEST`) so a CDK upgrade never changes the runtime
 * behind the team's back; cdk-nag's AwsSolutions-L1 flags it once it is stale.
 */
export const PROVISIONER_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * Makes `require` exist in the ESM bundle for the CommonJS dependencies esbuild
 * inlines. Aliased so it cannot clash with a `createRequire` import of the bundle.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __provisionerCreateRequire } from 'node:module'; const require = __provisionerCreateRequire(import.meta.url);";

export interface ProvisionerFunctionProps {
  readonly queue: sqs.IQueue;
  readonly eventBus: events.IEventBus;
  /** ARN (possibly ending in `-??????` for a secret known by name) of the Fivetran API key secret, for IAM. */
  readonly apiSecretPolicyArn: string;
  /** Secret-name prefix the function may read credentials under; ends with "/". */
  readonly credentialsSecretPrefix: string;
  readonly environment: Record<string, string>;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly logRetention: logs.RetentionDays;
  readonly batchSize: number;
  readonly maxBatchingWindow: Duration;
  readonly maxConcurrency: number;
}

/** The provisioning worker: its function, log group, role and SQS event source mapping. */
export class ProvisionerFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ProvisionerFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention: props.logRetention });

    // An own role instead of AWSLambdaBasicExecutionRole: the function writes to its own log group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Fivetran provisioner worker',
    });
    this.logGroup.grantWrite(this.role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      description: 'Turns provisioning requests from SQS into Fivetran GitLab connections and publishes the outcome',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      entry: `${PROJECT_ROOT}${PROVISION_HANDLER_ENTRY}`,
      handler: 'handler',
      runtime: PROVISIONER_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        ...props.environment,
        // Stack traces point at the TypeScript sources through the bundled source map.
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        // Prefer the ES module builds of dependencies: they tree-shake.
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        // Source maps only need line mappings for stack traces; embedding the sources doubles the size.
        sourcesContent: false,
        // Ship the AWS SDK versions the worker was tested with instead of whatever the runtime carries.
        bundleAwsSDK: true,
        // esbuild from node_modules; there is no Docker on build machines.
        forceDockerBundling: false,
        logLevel: nodejs.LogLevel.WARNING,
        charset: nodejs.Charset.UTF8,
      },
    });

    this.function.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: props.batchSize,
        maxBatchingWindow: props.maxBatchingWindow,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency,
      }),
    );

    // The event source mapping's grant already covers these; they are stated on their own because the worker
    // itself calls them (it hands a rate-limited record back with a longer visibility timeout).
    props.queue.grant(this.function, 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl');
    props.eventBus.grantPutEventsTo(this.function);

    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadFivetranApiKey',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [props.apiSecretPolicyArn],
      }),
    );
    const credentialsArn = Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${props.credentialsSecretPrefix}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadGitLabCredentials',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [credentialsArn],
      }),
    );

    const policy = this.role.node.findChild('DefaultPolicy');
    acknowledgeNagFinding(
      policy,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions, so they can only be granted on "*". The infra tests check that no other action is granted on "*".',
    );
    acknowledgeNagFinding(
      policy,
      iamWildcardResourceFindingId(this, credentialsArn),
      'Requests name the GitLab credentials secret to use; the worker may read secrets under the credentials prefix only (secretsmanager:GetSecretValue on <prefix>*), and refuses references outside it before calling Secrets Manager.',
    );
  }
}
