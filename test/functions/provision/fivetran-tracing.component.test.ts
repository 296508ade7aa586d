/**
 * Each Fivetran call of a record is a subsegment of the invocation's X-Ray
 * segment (real aws-xray-sdk-core segments), made by the real client against
 * the sandbox.
 */

import type Subsegment from 'aws-xray-sdk-core/dist/lib/segments/attributes/subsegment';
import Segment from 'aws-xray-sdk-core/dist/lib/segments/segment';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCreateBody } from '../../../functions/provision/credentials';
import { fivetranCallTracer, type SegmentSource } from '../../../functions/provision/fivetran-tracing';
import { callConnection } from '../../../functions/provision/lifecycle/fivetran-calls';
import { provisionConnection } from '../../../functions/provision/provision-connection';
import { type FivetranSandbox, startFivetranSandbox } from '../../../local/fivetran-sandbox/server';
import { FAKE_API_KEY, FAKE_PAT, patRequest } from '../../../local/world/fixtures';
import { createFivetranClient } from '../../../shared/fivetran/client';

let sandbox: FivetranSandbox;
beforeAll(async () => {
  sandbox = await startFivetranSandbox({
    groups: ['sandbox_group'],
    seed: 7,
    apiKey: FAKE_API_KEY.apiKey,
    apiSecret: FAKE_API_KEY.apiSecret,
  });
});
afterAll(() => sandbox.close());
afterEach(() => {
  expect(sandbox.contractViolations).toEqual([]);
  sandbox.reset();
});

/** A tracer as Powertools' is inside Lambda: tracing on, the invocation's segment current. */
function tracing(segment: Segment | undefined, enabled = true): SegmentSource {
  return { isTracingEnabled: () => enabled, getSegment: () => segment } as SegmentSource;
}

async function provision(source: SegmentSource) {
  const request = patRequest();
  const body = buildCreateBody(request.connection, FAKE_PAT, request.credentialsSecretId);
  const traceCall = fivetranCallTracer(source, { requestId: request.requestId, groupId: body.group_id });
  const result = await provisionConnection(body, {
    client: createFivetranClient({ baseUrl: sandbox.url, apiKey: FAKE_API_KEY }),
    requestTimeoutMs: 5_000,
    createTimeoutMs: 5_000,
    maxAttempts: 3,
    backoff: { baseDelayMs: 1, maxDelayMs: 1 },
    deadline: { remainingMs: () => 60_000 },
    sleep: async () => undefined,
    random: () => 0.5,
    ...(traceCall ? { traceCall } : {}),
  });
  return { request, result };
}

const subsegmentsOf = (segment: Segment) =>
  ((segment as unknown as { subsegments?: Subsegment[] }).subsegments ?? []).map((sub) => {
    const raw = sub as unknown as {
      name: string;
      annotations: Record<string, unknown>;
      end_time?: number;
      throttle?: boolean;
      fault?: boolean;
    };
    return {
      name: raw.name,
      annotations: raw.annotations,
      closed: raw.end_time !== undefined,
      throttle: raw.throttle === true,
      fault: raw.fault === true,
    };
  });

describe('a subsegment per Fivetran call', () => {
  it('records the lookup and the create, each closed and annotated with the request id, group, operation and outcome', async () => {
    // given tracing on, with the invocation's segment current
    const segment = new Segment('fivetran-provisioner');

    // when a record is provisioned
    const { request, result } = await provision(tracing(segment));

    // then the segment holds one closed subsegment per call Fivetran answered, in order
    expect(result).toMatchObject({ ok: true, outcome: 'created' });
    const common = { requestId: request.requestId, groupId: request.connection.group_id, outcome: 'ok' };
    expect(subsegmentsOf(segment)).toEqual([
      { name: 'Fivetran find-schema', annotations: { ...common, operation: 'find-schema' }, closed: true, throttle: false, fault: false },
      { name: 'Fivetran create', annotations: { ...common, operation: 'create' }, closed: true, throttle: false, fault: false },
    ]);
    expect(sandbox.calls.map((call) => call.method)).toEqual(['GET', 'POST']);
  });

  it('marks a 429 as throttled, with the code and status and no message or secret', async () => {
    // given Fivetran answering the first create with 429
    const segment = new Segment('fivetran-provisioner');
    sandbox.injectFault({ kind: 'status', status: 429, retryAfterSeconds: 1, method: 'POST', times: 1 });

    // when a record is provisioned
    const { result } = await provision(tracing(segment));

    // then the throttled create is flagged and annotated, and the retried create succeeded
    expect(result).toMatchObject({ ok: true });
    const subsegments = subsegmentsOf(segment);
    expect(subsegments.map((sub) => `${sub.name} ${sub.annotations.outcome} ${sub.annotations.httpStatus ?? '-'}`)).toEqual([
      'Fivetran find-schema ok -',
      'Fivetran create FIVETRAN_HTTP_ERROR 429',
      'Fivetran create ok -',
    ]);
    expect(subsegments[1]).toMatchObject({ throttle: true, closed: true });
    expect(JSON.stringify(segment)).not.toContain(FAKE_PAT.personal_access_token);
  });

  it('calls Fivetran exactly the same, with no subsegment, when tracing is off or no segment is current', async () => {
    // given tracing off, and tracing on without a segment
    for (const source of [tracing(new Segment('off'), false), tracing(undefined)]) {
      // when a record is provisioned
      const { result } = await provision(source);

      // then it is provisioned
      expect(result).toMatchObject({ ok: true });
      sandbox.reset();
    }
    expect(fivetranCallTracer(tracing(new Segment('off'), false), { requestId: 'r', groupId: 'g' })).toBeUndefined();
  });
});

describe('a subsegment per lifecycle call', () => {
  it('records a call on an existing connection with its operation and request id, and no group it does not know yet', async () => {
    // given a connection, and tracing on for a lifecycle request that names it
    const { result } = await provision(tracing(undefined));
    const connectionId = result.ok ? result.connection.id : '';
    const segment = new Segment('fivetran-provisioner');
    const traceCall = fivetranCallTracer(tracing(segment), { requestId: 'pause-1' });
    const client = createFivetranClient({ baseUrl: sandbox.url, apiKey: FAKE_API_KEY });

    // when the pause is sent
    await callConnection(
      'update',
      (timeoutMs) => client.updateConnection(connectionId, { paused: true }, { timeoutMs }),
      {
        deadline: { remainingMs: () => 60_000 },
        requestTimeoutMs: 5_000,
        slowCallTimeoutMs: 5_000,
        maxAttempts: 1,
        backoff: { baseDelayMs: 1, maxDelayMs: 1 },
        sleep: async () => undefined,
        random: () => 0.5,
        traceCall,
      },
      { count: 0 },
    );

    // then the segment holds its one closed subsegment
    expect(subsegmentsOf(segment)).toEqual([
      {
        name: 'Fivetran update',
        annotations: { requestId: 'pause-1', operation: 'update', outcome: 'ok' },
        closed: true,
        throttle: false,
        fault: false,
      },
    ]);
  });
});
