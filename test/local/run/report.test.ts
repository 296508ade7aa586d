import { describe, expect, it } from 'vitest';
import { formatEvent, formatRotation, formatSummary } from '../../../local/run/report';
import type { ExampleRun } from '../../../local/run/run-examples';

const common = {
  requestId: 'example-1',
  connectionId: 'mellow_meadow',
  groupId: 'sandbox_group',
  schema: 'gitlab_team_pat',
  sqsMessageId: 'm-1',
};

describe('the line a local run prints for a lifecycle event', () => {
  it.each([
    [
      'Connection Updated',
      { changed: ['daily_sync_time', 'sync_frequency'] },
      'example-1  connection mellow_meadow  changed daily_sync_time, sync_frequency',
    ],
    ['Connection Paused', {}, 'example-1  connection mellow_meadow'],
    ['Connection Resumed', {}, 'example-1  connection mellow_meadow'],
    ['Connection Decommissioned', { outcome: 'already_deleted' }, 'example-1  already_deleted  connection mellow_meadow'],
  ])('names the request and the connection of a %s event', (detailType, extra, rest) => {
    expect(formatEvent({ detailType, detail: { ...common, ...extra } })).toBe(`event  ${detailType}  ${rest}`);
  });

  it('names the secret and the versions of a Connection Credentials Applied event, never a value', () => {
    // given credentials applied after a rotation from one version to another
    const detail = {
      ...common,
      requestId: 'rotate:mellow_meadow:5f0c1d2e-0000-4000-8000-000000000002',
      secretName: 'fivetran/gitlab/sandbox_group/team-pat',
      previousVersionId: '1a2b3c4d-0000-4000-8000-000000000001',
      versionId: '5f0c1d2e-0000-4000-8000-000000000002',
      trigger: 'rotation',
      setupTests: [{ title: 'Validating credentials', status: 'PASSED' }],
    };
    // then the line shows the secret's name, both versions by their first characters, the trigger and the tests
    expect(formatEvent({ detailType: 'Connection Credentials Applied', detail })).toBe(
      'event  Connection Credentials Applied  rotate:mellow_meadow:5f0c1d2e-0000-4000-8000-000000000002  connection mellow_meadow' +
        '  secret fivetran/gitlab/sandbox_group/team-pat  version 1a2b3c4d → 5f0c1d2e  rotation  1 setup test passed',
    );
  });

  it('prints a lifecycle failure with its code and message, as a provisioning failure', () => {
    const detail = { requestId: 'example-1', errorCode: 'CONFIRMATION_MISMATCH', message: 'nothing was deleted', attempts: 0 };
    expect(formatEvent({ detailType: 'Connection Lifecycle Request Failed', detail })).toBe(
      'event  Connection Lifecycle Request Failed  example-1  CONFIRMATION_MISMATCH  nothing was deleted',
    );
  });
});

describe('the summary of a local run', () => {
  it('shows a lifecycle outcome with its connection and no attempts, which its event does not count', () => {
    const run: ExampleRun = {
      example: { title: 'pause', request: {}, requestId: 'example-pause', action: 'pause', expect: 'paused' },
      settled: { outcome: 'paused', connectionId: 'sturdy_yarrow' },
    };
    expect(formatSummary([run]).split('\n')[2]).toMatch(/^example-pause\s+paused\s+sturdy_yarrow\s+-\s+yes \(paused\)$/);
  });
});

describe('the line a local run prints for a rotation', () => {
  const secret = {
    name: 'fivetran/gitlab/sandbox_group/team-pat',
    labelUpdated: 'AWSCURRENT' as const,
    versionId: '5f0c1d2e-0000-4000-8000-000000000002',
  };

  it('counts the requests the fan-out enqueued against the connections using the secret', () => {
    const report = {
      status: 'enqueued' as const,
      secretName: secret.name,
      versionId: secret.versionId,
      connections: 3,
      requestIds: ['a', 'b'],
    };
    expect(formatRotation(report, secret)).toBe(
      'rotation  fivetran/gitlab/sandbox_group/team-pat  version 5f0c1d2e  2 reapply_credentials requests enqueued (2 of 3 connections using it are behind)',
    );
  });

  it('says why nothing was enqueued: a secret outside the prefix, or a fan-out that failed', () => {
    expect(formatRotation({ status: 'ignored', reason: 'prefix', secretName: secret.name }, secret)).toMatch(
      /ignored: not under the credentials prefix$/,
    );
    expect(formatRotation({ status: 'failed', errorCode: 'LEDGER_UNAVAILABLE', message: 'no answer' }, secret)).toMatch(
      /version 5f0c1d2e {2}failed: LEDGER_UNAVAILABLE: no answer$/,
    );
  });
});
