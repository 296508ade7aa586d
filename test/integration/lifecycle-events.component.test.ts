import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lifecycleEventSchemas } from '../../infra/event-schemas';
import { eventJsonSchemas } from '../../shared/contracts/json-schemas';
import {
  connectionCredentialsAppliedDetailSchema,
  connectionDecommissionedDetailSchema,
  connectionLifecycleRequestFailedDetailSchema,
  connectionPausedDetailSchema,
  connectionResumedDetailSchema,
  connectionUpdatedDetailSchema,
} from '../../shared/contracts/lifecycle-events';
import { reapplyRequestFor } from '../../shared/contracts/lifecycle-request';
import { type LifecycleWorld, startLifecycleWorld } from './support/lifecycle-world';

/** Every lifecycle event the worker publishes is what the contracts and the schema registry say it is. */
let w: LifecycleWorld;
beforeEach(async () => (w = await startLifecycleWorld()));
afterEach(() => w.close());

const ZOD = {
  'Connection Updated': connectionUpdatedDetailSchema,
  'Connection Paused': connectionPausedDetailSchema,
  'Connection Resumed': connectionResumedDetailSchema,
  'Connection Credentials Applied': connectionCredentialsAppliedDetailSchema,
  'Connection Decommissioned': connectionDecommissionedDetailSchema,
  'Connection Lifecycle Request Failed': connectionLifecycleRequestFailedDetailSchema,
} as const;

describe('lifecycle events against their schemas', () => {
  it('validates every event of every action, failures included, against the zod contract, the JSON Schema and the registry', async () => {
    // Given a connection, and each action once, with failures of several kinds
    const { request, connectionId } = await w.create();
    const target = { connectionId };
    const applied = await w.rotate({ token: `fake-glpat-${'a'.repeat(20)}`, tokenId: '17', gitlabUrl: 'https://gl.events-test.invalid' });
    await w.invoke([w.record(reapplyRequestFor(connectionId, applied, 'drift'))]);
    const broken = await w.rotate({ personal_access_token: `fake-pat-expired-${'x'.repeat(16)}` });
    await w.invoke([w.record(reapplyRequestFor(connectionId, broken, 'rotation'))]);
    for (const body of [
      { requestId: 'u-1', action: 'update', target: { requestId: request.requestId }, changes: { sync_frequency: 360, paused: false } },
      { requestId: 'p-1', action: 'pause', target, context: { correlationId: 'c-1', requestedBy: 'ünïcode ✓ \u202e' } },
      { requestId: 'r-1', action: 'resume', target },
      { requestId: 'x-1', action: 'pause', target: { connectionId: 'not_ours' } },
      { requestId: 'd-wrong', action: 'decommission', target, confirmSchema: 'gitlab_other' },
      { requestId: 'd-1', action: 'decommission', target, confirmSchema: 'gitlab_team_a' },
      { requestId: 'u-gone', action: 'update', target, changes: { sync_frequency: 60 } },
      { action: 'pause', target },
    ]) {
      await w.invoke([w.record(body, { version: '2' })]);
    }
    const events = w.events().filter((event) => event.detailType !== 'Connection Provisioned');
    expect(new Set(events.map((event) => event.detailType))).toEqual(new Set(Object.keys(ZOD)));

    // Then each detail passes the zod schema, the package's JSON Schema and the registry's draft-4 envelope
    const ajv2020 = new Ajv2020({ strict: false });
    addFormats(ajv2020);
    const ajv = new Ajv({ strict: false });
    addFormats(ajv);
    const registry = new Map(lifecycleEventSchemas('fivetran.provisioner').map((entry) => [entry.detailType, entry.content]));
    for (const [index, { detailType, detail }] of events.entries()) {
      const label = `event ${index + 1} (${detailType})`;
      expect(ZOD[detailType as keyof typeof ZOD].safeParse(detail).success, label).toBe(true);
      const json = ajv2020.compile(eventJsonSchemas[detailType as keyof typeof eventJsonSchemas]);
      expect(json(detail) ? [] : json.errors, label).toEqual([]);
      const { $schema: _draft, ...draft4 } = registry.get(detailType)!;
      const envelope = ajv.compile(draft4);
      const event = {
        version: '0',
        id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
        'detail-type': detailType,
        source: 'fivetran.provisioner',
        account: '123456789012',
        time: '2026-11-30T12:00:00Z',
        region: 'eu-west-1',
        resources: [],
        detail,
      };
      expect(envelope(event) ? [] : envelope.errors, label).toEqual([]);
    }
    expect(w.leaks()).toEqual([]);
  });
});
