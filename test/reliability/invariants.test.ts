import { describe, expect, it } from 'vitest';
import type { PublishedEvent } from '../../local/aws/aws-stand-in';
import type { RecordedCall, StoredConnection } from '../../local/fivetran-sandbox/types';
import { readSettings } from '../../shared/runtime/settings';
import type { CampaignPlan } from './support/campaign';
import { type CampaignRun, checkCampaign } from './support/invariants';
import { createMarkers } from './support/markers';

/**
 * The campaign's invariant checks, on small hand-made runs: each must flag
 * the fault it exists to catch, or a green campaign would prove nothing.
 */
const config = readSettings('provision', {
  FIVETRAN_API_URL: 'http://127.0.0.1:1',
  FIVETRAN_API_SECRET_ID: 'fivetran/api-key',
  CREDENTIALS_SECRET_PREFIX: 'fivetran/gitlab/',
  EVENT_BUS_NAME: 'provisioner-bus',
  MAX_RECEIVE_COUNT: '4',
});

/** Two requests: r1 sent twice (m1, m2), r2 once (m3); all three provisioned, r1 found existing the second time. */
function healthyRun(): CampaignRun {
  const request = (requestId: string, schema: string) => ({ requestId, kind: 'provision' as const, groupId: 'group_a', schema, body: {} });
  const plan: CampaignPlan = {
    requests: [request('r1', 's1'), request('r2', 's2')],
    messages: [
      { requestId: 'r1', body: '{}' },
      { requestId: 'r1', body: '{}' },
      { requestId: 'r2', body: '{}' },
    ],
    secrets: {},
    seeded: [],
    markers: createMarkers(1),
  };
  return {
    plan,
    messageIds: ['m1', 'm2', 'm3'],
    events: [
      provisioned('m1', 'r1', 'c1', 's1', 'created'),
      provisioned('m2', 'r1', 'c1', 's1', 'already_exists'),
      provisioned('m3', 'r2', 'c2', 's2', 'created'),
    ],
    deadLetters: [],
    deliveries: ['m1', 'm2', 'm3'].map((messageId) => ({ messageId, receiveCount: 1 })),
    overlappingDeliveries: [],
    calls: [lookup(), create('s1'), lookup(), create('s2')],
    connections: [connection('c1', 's1'), connection('c2', 's2')],
    contractViolations: 0,
    batchErrors: 0,
    handBacks: {},
    drained: true,
    config,
    wallMs: 1_000,
  };
}

function provisioned(messageId: string, requestId: string, connectionId: string, schema: string, outcome: string): PublishedEvent {
  return event('Connection Provisioned', {
    requestId,
    outcome,
    connectionId,
    groupId: 'group_a',
    service: 'gitlab',
    schema,
    setupTests: [],
    attempts: 1,
    sqsMessageId: messageId,
  });
}
function failed(messageId: string, requestId: string, errorCode: string): PublishedEvent {
  return event('Connection Provisioning Failed', {
    requestId,
    errorCode,
    message: 'm',
    retryable: errorCode === 'RETRIES_EXHAUSTED',
    attempts: 1,
    sqsMessageId: messageId,
  });
}
function event(detailType: string, detail: unknown): PublishedEvent {
  return {
    id: 'e',
    time: '',
    eventBusName: config.eventBusName,
    source: config.eventSource,
    detailType,
    detail,
    account: '000000000000',
    region: 'us-east-1',
    resources: [],
  };
}
function lookup(): RecordedCall {
  return { method: 'GET', path: '/v1/groups/group_a/connections', query: {}, headers: {}, body: undefined, status: 200 };
}
function create(schema: string): RecordedCall {
  return {
    method: 'POST',
    path: '/v1/connections',
    query: {},
    headers: {},
    body: { group_id: 'group_a', config: { schema } },
    status: 201,
  };
}
function connection(id: string, schema: string): StoredConnection {
  return { id, groupId: 'group_a', schema, createRequest: {}, data: { service: 'gitlab' } as StoredConnection['data'] };
}
function broken(run: CampaignRun): string[] {
  return Object.entries(checkCampaign(run).violations)
    .filter(([, problems]) => problems.length > 0)
    .map(([check]) => check);
}

describe('the campaign invariants', () => {
  it('all hold for a run where every message has one outcome', () => {
    expect(broken(healthyRun())).toEqual([]);
  });

  it('catch a message that got no outcome at all', () => {
    const run = healthyRun();
    run.events = run.events.filter((e) => (e.detail as { requestId: string }).requestId !== 'r2');
    expect(broken(run)).toEqual(['every message has exactly one terminal outcome']);
  });

  it('catch a message that is provisioned and also dead-lettered', () => {
    const run = healthyRun();
    run.deadLetters = [{ messageId: 'm3', body: '{}', receiveCount: 5 }];
    run.events = [...run.events, failed('m3', 'r2', 'RETRIES_EXHAUSTED')];
    expect(broken(run)).toEqual(['every message has exactly one terminal outcome', 'no message is both provisioned and dead-lettered']);
  });

  it('catch a message provisioned twice, and a Connection Provisioned that names another request’s message', () => {
    const run = healthyRun();
    run.events = [...run.events, provisioned('m3', 'r2', 'c2', 's2', 'already_exists')];
    expect(broken(run)).toEqual(['every message has exactly one terminal outcome']);
    const misattributed = healthyRun();
    misattributed.events = [...misattributed.events.slice(0, 2), provisioned('m1', 'r2', 'c2', 's2', 'created')];
    expect(broken(misattributed)).toEqual(['every message has exactly one terminal outcome']);
  });

  it('catch a RETRIES_EXHAUSTED whose message is not in the dead-letter queue', () => {
    const run = healthyRun();
    run.events = [...run.events.slice(0, 2), failed('m3', 'r2', 'RETRIES_EXHAUSTED')];
    expect(broken(run)).toContain('each dead letter has exactly one RETRIES_EXHAUSTED event, and each such event a dead letter');
  });

  it('catch two connections for one (group, schema)', () => {
    const run = healthyRun();
    run.connections = [...run.connections, connection('c3', 's1')];
    expect(broken(run)).toEqual(['the sandbox holds at most one connection per (group, schema)']);
  });

  it('catch a transient fault that ended as a permanent failure', () => {
    const run = healthyRun();
    run.events = [...run.events.slice(0, 2), failed('m3', 'r2', 'FIVETRAN_REJECTED')];
    expect(broken(run)).toEqual(['only request faults end in a non-retryable failure, each with its own code; transient faults never do']);
  });

  it('catch more create calls, or more calls in all, than the code allows', () => {
    const run = healthyRun();
    run.calls = [...run.calls, ...Array.from({ length: 4 }, () => create('s2'))];
    expect(broken(run)).toEqual(['create calls per connection ≤ MAX_ATTEMPTS_PER_DELIVERY × deliveries of its request']);
    run.calls = [...run.calls, ...Array.from({ length: 40 }, lookup)];
    expect(broken(run)).toContain('Fivetran calls in all ≤ 3 × MAX_ATTEMPTS_PER_DELIVERY × deliveries');
  });

  it('catch a delivery while another is in progress, and a queue that did not drain', () => {
    const run = healthyRun();
    run.overlappingDeliveries = ['m1'];
    run.drained = false;
    expect(broken(run).sort()).toEqual(
      [
        'no message delivered again while a handler still works on it (visibility timeout > function timeout)',
        'queue drained (every message deleted or dead-lettered) within the bound',
      ].sort(),
    );
  });
});
