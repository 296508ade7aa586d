import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { METRIC_SERVICES, METRICS_NAMESPACE } from '../../infra/constructs/provisioner-dashboard';
import { ProvisionerStack } from '../../infra/provisioner-stack';
import { actionsOf, allowStatements, disposeTestApps, newTestApp, resourcesOf } from './support';

afterAll(disposeTestApps);

// One app, so every function is bundled once.
const app = newTestApp();
const stacks = {
  Plain: new ProvisionerStack(app, 'Plain', {}),
  Scheduled: new ProvisionerStack(app, 'Scheduled', {
    alarmEmail: 'oncall@example.com',
    backfills: [{ name: 'nightly', schedule: 'cron(0 3 * * ? *)', manifest: { key: 'teams.jsonl' } }],
    redriveSchedule: { schedule: 'rate(6 hours)' },
  }),
};
const template = (id: keyof typeof stacks) => Template.fromStack(stacks[id]);

type Alarm = { MetricName?: string; Namespace?: string; Dimensions?: { Name: string; Value: unknown }[]; AlarmActions?: unknown[] };
const alarmsOf = (t: Template) => Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((r) => r.Properties as Alarm);
const functionIds = (t: Template) => Object.keys(t.findResources('AWS::Lambda::Function'));
/** The dashboard's JSON as CloudFormation will render it, with references left as their logical ids. */
function dashboardBody(t: Template): string {
  const dashboards = Object.values(t.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0]!.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
  return body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : `<${JSON.stringify(part)}>`)).join('');
}

describe('alarms on every function', () => {
  it.each(['Plain', 'Scheduled'] as const)('has an errors and a throttles alarm for each function of %s', (id) => {
    const t = template(id);
    const watched = (metric: string) =>
      alarmsOf(t)
        .filter((alarm) => alarm.Namespace === 'AWS/Lambda' && alarm.MetricName === metric)
        .map((alarm) => (alarm.Dimensions ?? []).find((d) => d.Name === 'FunctionName')?.Value as { Ref: string } | undefined)
        .map((value) => value?.Ref);
    // The worker, the rotation fan-out and the drift check, plus the backfill and the redrive when scheduled.
    expect(functionIds(t).length).toBe(id === 'Plain' ? 3 : 5);
    expect(watched('Errors').sort()).toEqual(functionIds(t).sort());
    expect(watched('Throttles').sort()).toEqual(functionIds(t).sort());
  });

  it('alarms on an aborted backfill, on the metric the backfill handler emits, and notifies the topic', () => {
    const aborted = alarmsOf(template('Scheduled')).filter((alarm) => alarm.MetricName === 'BackfillsAborted');
    expect(aborted).toEqual([
      expect.objectContaining({
        Namespace: METRICS_NAMESPACE,
        Dimensions: [{ Name: 'service', Value: METRIC_SERVICES.backfill }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      }),
    ]);
    // every alarm of the stack, the added ones included, notifies the alarm topic
    for (const alarm of alarmsOf(template('Scheduled'))) expect(alarm.AlarmActions).toHaveLength(1);
  });

  it('adds no backfill alarm to a stack without backfills', () => {
    expect(alarmsOf(template('Plain')).filter((alarm) => alarm.MetricName === 'BackfillsAborted')).toEqual([]);
  });
});

describe('the dashboard', () => {
  it('shows the queue, the dead letters, the outcomes, failures by code, 429s and waits, and each function', () => {
    const body = dashboardBody(template('Scheduled'));
    for (const shown of [
      '"ApproximateNumberOfMessagesVisible"',
      '"ApproximateAgeOfOldestMessage"',
      '"ConnectionsCreated"',
      '"ConnectionsAlreadyExisting"',
      `SEARCH('{${METRICS_NAMESPACE},errorCode,service} MetricName=\\"RequestsFailed\\"`,
      '"FivetranRateLimited"',
      '"FivetranRetryWaitMs"',
      '"AWS/Lambda","Duration"',
      '"AWS/Lambda","Errors"',
      '"BackfillsCompleted"',
      '"BackfillsAborted"',
      '"type":"alarm"',
    ]) {
      expect(body, shown).toContain(shown);
    }
    // every function of the stack has its own lines
    for (const fn of functionIds(template('Scheduled'))) expect(body).toContain(`<{"Ref":"${fn}"}>`);
  });

  it('is named after the stack and its region, so each stage finds its own', () => {
    const [dashboard] = Object.values(template('Scheduled').findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboard!.Properties.DashboardName).toEqual({ 'Fn::Join': ['', ['Scheduled-', { Ref: 'AWS::Region' }]] });
  });

  it('shows backfill runs only where backfills exist', () => {
    expect(dashboardBody(template('Plain'))).not.toContain('BackfillsAborted');
  });
});

describe('tracing', () => {
  it.each(['Plain', 'Scheduled'] as const)(
    'turns on active X-Ray tracing for every function of %s, with the right to send segments',
    (id) => {
      const t = template(id);
      for (const fn of Object.values(t.findResources('AWS::Lambda::Function')))
        expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      const xray = allowStatements(t).filter((statement) => actionsOf(statement).includes('xray:PutTraceSegments'));
      expect(xray).toHaveLength(functionIds(t).length);
      for (const statement of xray) {
        expect(actionsOf(statement).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
        expect(resourcesOf(statement)).toEqual(['*']);
      }
    },
  );
});

describe('cdk-nag', () => {
  it('raises no finding on the dashboard and the added alarms', () => {
    for (const stack of Object.values(stacks)) {
      const report = new AwsSolutionsChecks().validateScope(stack);
      expect(report.violations.map((violation) => `${stack.stackName} ${violation.ruleName}`)).toEqual([]);
    }
  });
});
