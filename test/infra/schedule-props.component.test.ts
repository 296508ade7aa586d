import { afterAll, describe, expect, it } from 'vitest';
import { buildProvisionerApp, readProvisionerContext } from '../../infra/provisioner-app';
import { ProvisionerStack, type ProvisionerStackProps } from '../../infra/provisioner-stack';
import { ProvisionerPropsError } from '../../infra/validate-props';
import { disposeTestApps, newTestApp } from './support';

/** Backfills and the redrive schedule as the stack's props and the app's context take them (the stacks they build: backfill-schedules.component.test.ts). */
afterAll(disposeTestApps);

describe('schedule property validation', () => {
  const invalid = (props: ProvisionerStackProps) => () => new ProvisionerStack(newTestApp(), 'Invalid', props);
  const backfill = { name: 'n', schedule: 'rate(1 day)', manifest: { key: 'a.jsonl' } };

  it.each<[string, ProvisionerStackProps, RegExp]>([
    [
      'a manifest key with a wildcard, which would widen the S3 grant',
      { backfills: [{ ...backfill, manifest: { key: 'teams/*' } }] },
      /manifest\.key must be .* without \*, \? or \$/,
    ],
    [
      'a manifest key with a policy variable',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable in a key is what this case refuses.
      { backfills: [{ ...backfill, manifest: { key: '${aws:username}.jsonl' } }] },
      /manifest\.key/,
    ],
    ['two backfills with one name', { backfills: [backfill, backfill] }, /name "n" is used by another backfill/],
    [
      'a schedule that is neither cron nor rate',
      { backfills: [{ ...backfill, schedule: 'every day' }] },
      /backfills\[0\]\.schedule must be cron/,
    ],
    ['an unknown time zone', { backfills: [{ ...backfill, timeZone: 'Mars/Olympus' }] }, /timeZone must be an IANA time zone/],
    [
      'a redrive rate above what SQS allows',
      { redriveSchedule: { schedule: 'rate(1 hour)', maxMessagesPerSecond: 501 } },
      /maxMessagesPerSecond must be a whole number from 1 to 500/,
    ],
  ])('refuses %s', (_case, props, message) => {
    expect(invalid(props)).toThrow(ProvisionerPropsError);
    expect(invalid(props)).toThrow(message);
  });

  it('reads backfills and the redrive schedule from context, as JSON on the command line', () => {
    const contextApp = newTestApp({
      'aws:cdk:bundling-stacks': [],
      backfills: JSON.stringify([backfill]),
      redriveSchedule: { schedule: 'rate(1 hour)' },
    });
    expect(readProvisionerContext(contextApp).settings).toEqual({ backfills: [backfill], redriveSchedule: { schedule: 'rate(1 hour)' } });
    const built = buildProvisionerApp(contextApp);
    expect(built.backfills?.schedules).toHaveLength(1);
    expect(built.redrive).toBeDefined();
  });
});
