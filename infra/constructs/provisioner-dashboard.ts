import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The namespace of the functions' EMF metrics (Powertools Metrics in each create-handler.ts). */
export const METRICS_NAMESPACE = 'FivetranProvisioner';
/** Powertools adds the service as a dimension; each function has its own. */
export const METRIC_SERVICES = {
  provision: 'fivetran-provisioner',
  backfill: 'fivetran-provisioner-backfill',
  redrive: 'fivetran-provisioner-redrive',
  rotation: 'fivetran-provisioner-rotation',
  drift: 'fivetran-provisioner-drift',
} as const;

/** One of the functions' EMF metrics, summed per period. */
export function provisionerMetric(
  service: keyof typeof METRIC_SERVICES,
  metricName: string,
  options: { period?: Duration; statistic?: string; label?: string } = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: METRIC_SERVICES[service] },
    period: options.period ?? Duration.minutes(1),
    statistic: options.statistic ?? 'Sum',
    ...(options.label === undefined ? {} : { label: options.label }),
  });
}

export interface ProvisionerDashboardProps {
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  /** Each function of the stack, by the name the dashboard shows. */
  readonly functions: ReadonlyArray<{ readonly label: string; readonly fn: lambda.IFunction }>;
  /** Whether the backfill function exists: its runs get a row. */
  readonly backfills: boolean;
  /** The alarms, shown as a status row at the top. */
  readonly alarms: readonly cloudwatch.IAlarm[];
}

/**
 * The on-call view of one deployment: alarms first, then the queue (depth,
 * age, dead letters), outcomes per minute (created, already existing, failed
 * by error code), Fivetran's 429s and the waits they cause, each function's
 * invocations, errors and duration, credentials re-applied, rotation and
 * drift requests, and the backfill runs.
 */
export class ProvisionerDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ProvisionerDashboardProps) {
    super(scope, id);
    const minute = Duration.minutes(1);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      // Named after the stack, so staging and prod each find theirs: dashboard names are per account, across regions.
      dashboardName: `${Stack.of(this).stackName}-${Stack.of(this).region}`,
      defaultInterval: Duration.hours(6),
      periodOverride: cloudwatch.PeriodOverride.AUTO,
    });

    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: 3 }));
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Queue depth',
        left: [
          props.queue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Maximum', label: 'waiting' }),
          props.queue.metricApproximateNumberOfMessagesNotVisible({
            period: minute,
            statistic: 'Maximum',
            label: 'in flight or held back',
          }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Oldest request (seconds)',
        left: [props.queue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: 'Maximum', label: 'age of the oldest' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead letters',
        left: [
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Maximum', label: 'dead letters' }),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Outcomes per minute',
        left: [
          provisionerMetric('provision', 'ConnectionsCreated', { label: 'created' }),
          provisionerMetric('provision', 'ConnectionsAlreadyExisting', { label: 'already existing' }),
          provisionerMetric('provision', 'RecordsRetried', { label: 'handed back to retry' }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Failed per minute, by error code',
        left: [
          new cloudwatch.MathExpression({
            expression: `SEARCH('{${METRICS_NAMESPACE},errorCode,service} MetricName="RequestsFailed" service="${METRIC_SERVICES.provision}"', 'Sum', 60)`,
            label: '',
            period: minute,
          }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: "Fivetran's 429s and the waits",
        left: [provisionerMetric('provision', 'FivetranRateLimited', { label: '429 answers' })],
        right: [provisionerMetric('provision', 'FivetranRetryWaitMs', { statistic: 'Maximum', label: 'longest wait before a retry (ms)' })],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Invocations and errors',
        left: props.functions.flatMap(({ label, fn }) => [
          fn.metricInvocations({ period: minute, statistic: 'Sum', label: `${label} invocations` }),
          fn.metricErrors({ period: minute, statistic: 'Sum', label: `${label} errors` }),
          fn.metricThrottles({ period: minute, statistic: 'Sum', label: `${label} throttles` }),
        ]),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Duration (ms)',
        left: props.functions.flatMap(({ label, fn }) => [
          fn.metricDuration({ period: minute, statistic: 'p99', label: `${label} p99` }),
          fn.metricDuration({ period: minute, statistic: 'Maximum', label: `${label} max` }),
        ]),
        width: 12,
      }),
    );
    const hour = Duration.hours(1);
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Credentials re-applied',
        left: [
          provisionerMetric('provision', 'CredentialsApplied', { period: hour, label: 'applied' }),
          provisionerMetric('provision', 'CredentialsAlreadyCurrent', { period: hour, label: 'already current (nothing to do)' }),
          provisionerMetric('provision', 'CredentialsSetupTestsFailed', { period: hour, label: 'setup tests failed' }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Rotation and drift',
        left: [
          provisionerMetric('rotation', 'RotationRequestsEnqueued', { period: hour, label: 'requests from rotations' }),
          provisionerMetric('drift', 'DriftRequestsEnqueued', { period: hour, label: 'requests from the drift check' }),
        ],
        right: [
          provisionerMetric('drift', 'DriftSecretsUnreadable', { period: hour, label: 'secrets the drift check could not describe' }),
        ],
        width: 12,
      }),
    );
    if (props.backfills) {
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'Backfill runs',
          left: [
            provisionerMetric('backfill', 'BackfillsCompleted', { period: Duration.hours(1), label: 'completed' }),
            provisionerMetric('backfill', 'BackfillsAborted', { period: Duration.hours(1), label: 'aborted' }),
          ],
          right: [provisionerMetric('backfill', 'BackfillRequestsEnqueued', { period: Duration.hours(1), label: 'requests enqueued' })],
          width: 24,
        }),
      );
    }
  }
}
