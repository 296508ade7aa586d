import { describe, expect, it } from 'vitest';
import { lifecycleRequestJsonSchema } from '../../../shared/contracts/json-schemas';
import { parseProvisioningRequest, parseRequest } from '../../../shared/contracts/request-parser';

const body = (value: unknown) => JSON.stringify(value);
const pause = { requestId: 'pause-1', action: 'pause', target: { connectionId: 'conn_1' } };

describe('lifecycle request parsing', () => {
  it('reads a lifecycle request under version 2 or with no version attribute', () => {
    for (const version of ['2', undefined]) {
      expect(parseRequest(body(pause), version)).toEqual({ ok: true, kind: 'lifecycle', request: pause });
    }
  });

  it('reads a create under version 1, version 2 and without an attribute', () => {
    const create = {
      requestId: 'c-1',
      connection: { group_id: 'g', service: 'gitlab', config: { schema: 's' } },
      credentialsSecretId: 'x/y',
    };
    for (const version of ['1', '2', undefined]) expect(parseRequest(body(create), version)).toMatchObject({ ok: true, kind: 'create' });
  });

  it('refuses a lifecycle action under version 1, naming the attribute', () => {
    const parsed = parseRequest(body(pause), '1');
    expect(parsed).toMatchObject({
      ok: false,
      failedCheck: 'version',
      known: { requestId: 'pause-1', action: 'pause', connectionId: 'conn_1' },
    });
    expect(!parsed.ok && parsed.error.message).toMatch(/requestSchemaVersion "2"/);
  });

  it('refuses a version it does not read', () => {
    expect(parseRequest(body(pause), '3')).toMatchObject({ ok: false, failedCheck: 'version' });
  });

  it('refuses an unknown action by path', () => {
    const parsed = parseRequest(body({ ...pause, action: 'delete' }));
    expect(parsed).toMatchObject({ ok: false, error: { issues: [{ path: 'action' }] } });
  });

  it('refuses a target with both ids', () => {
    const parsed = parseRequest(body({ ...pause, target: { connectionId: 'conn_1', requestId: 'create-1' } }));
    expect(parsed).toMatchObject({ ok: false, error: { issues: [{ path: 'target' }] } });
    expect(parsed.ok ? undefined : parsed.known.connectionId).toBeUndefined();
  });

  it('refuses config.schema and an inline secret inside changes, and echoes no secret', () => {
    const secret = `glpat-fake-${'Q'.repeat(20)}`;
    const update = { requestId: 'u-1', action: 'update', target: { requestId: 'create-1' } };
    const schema = parseRequest(body({ ...update, changes: { config: { schema: 'other' } } }));
    const inline = parseRequest(body({ ...update, changes: { sync_frequency: 60, config: { personal_access_token: secret } } }));
    const auth = parseRequest(body({ ...update, changes: { auth: { access_token: secret } } }));
    for (const parsed of [schema, inline, auth]) {
      expect(parsed.ok).toBe(false);
      expect(parsed.ok ? '' : parsed.error.message).toMatch(/cannot be changed by an update/);
      expect(JSON.stringify(parsed)).not.toContain(secret);
    }
  });

  it('refuses a decommission without confirmSchema, and an update with nothing to change', () => {
    const decommission = parseRequest(body({ requestId: 'd-1', action: 'decommission', target: { connectionId: 'conn_1' } }));
    const empty = parseRequest(body({ requestId: 'u-1', action: 'update', target: { connectionId: 'conn_1' }, changes: {} }));
    expect(decommission).toMatchObject({ ok: false, error: { issues: [{ path: 'confirmSchema', reason: 'is required' }] } });
    expect(empty).toMatchObject({ ok: false, error: { issues: [{ reason: 'must name at least one setting to change' }] } });
  });

  it('keeps creates-only parsing for manifest lines: a lifecycle action is refused there', () => {
    expect(parseProvisioningRequest(body(pause))).toMatchObject({ ok: false });
  });

  it('publishes the lifecycle request as a JSON Schema with every action', () => {
    expect(JSON.stringify(lifecycleRequestJsonSchema)).toContain('reapply_credentials');
  });
});
