import { ArnFormat, type Duration, Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNagFinding, iamWildcardResourceFindingId } from '../nag';
import { createEsmFunction } from './esm-function';

export { ESM_REQUIRE_BANNER, PROJECT_ROOT, PROVISIONER_RUNTIME } from './esm-function';
export const PROVISION_HANDLER_ENTRY = 'functions/provision/handler.ts';

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

    const parts = createEsmFunction(this, {
      entry: PROVISION_HANDLER_ENTRY,
      description: 'Turns provisioning requests from SQS into Fivetran GitLab connections and publishes the outcome',
      roleDescription: 'Fivetran provisioner worker',
      timeout: props.timeout,
      memorySize: props.memorySize,
      logRetention: props.logRetention,
      environment: props.environment,
    });
    this.function = parts.function;
    this.logGroup = parts.logGroup;
    this.role = parts.role;

    this.function.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: props.batchSize,
        maxBatchingWindow: props.maxBatchingWindow,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency,
      }),
    );

    // The event source mapping's grant already covers the first two; they are stated on their own because the worker
    // itself calls them (it hands a record back with a longer visibility timeout). SendMessage, on this queue only,
    // defers a rate-limited request: the same body goes back to the queue with a delay.
    props.queue.grant(this.function, 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:SendMessage');
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
        // DescribeSecret: a reapply_credentials request checks which version carries AWSCURRENT.
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        resources: [credentialsArn],
      }),
    );

    const policy = this.role.node.findChild('DefaultPolicy');
    acknowledgeNagFinding(
      policy,
      iamWildcardResourceFindingId(this, credentialsArn),
      "Requests name the GitLab credentials secret to use; the worker may read secrets under the credentials prefix only (secretsmanager:GetSecretValue and DescribeSecret on <prefix>*), and refuses references outside it, and by default outside the folder of the request's own Fivetran group, before calling Secrets Manager.",
    );
  }
}
