import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_KEY_SECRET_ID, FAKE_API_KEY, FAKE_MTLS, GROUP_CREDENTIALS, patRequest, SECRET_MARKER } from '../../../local/world/fixtures';
import { failedIds, type Harness, startPatHarness } from '../../support/handler-harness';

/** One container across its invocations: concurrency, the group listing and secret caches, rotation, and its logs. */
let h: Harness;
beforeEach(async () => (h = await startPatHarness()));
afterEach(() => h.close());

describe('provisioning handler: concurrency and caching', () => {
  it('runs distinct schemas concurrently and the same schema one after another', async () => {
    h.sandbox.setCreateLatency(50);
    const records = [
      h.record(patRequest({ schema: 'gitlab_a' })),
      h.record(patRequest({ schema: 'gitlab_b' })),
      h.record(patRequest({ schema: 'gitlab_c' })),
      h.record(patRequest({ schema: 'gitlab_same', requestId: 'first' })),
      h.record(patRequest({ schema: 'gitlab_same', requestId: 'second' })),
    ];
    const response = await h.invoke(records);
    expect(failedIds(response)).toEqual([]);
    expect(h.maxConcurrentFivetranCalls).toBeGreaterThan(1);
    // the same schema: exactly one create, and the second request saw the first's connection
    const same = h.events().filter((e) => e.detail.schema === 'gitlab_same');
    expect(same.map((e) => [e.detail.requestId, e.detail.outcome])).toEqual([
      ['first', 'created'],
      ['second', 'already_exists'],
    ]);
    expect(h.fivetranCalls('POST').filter((call) => (call.body as any).config.schema === 'gitlab_same')).toHaveLength(1);
  });

  it('lists a group once for a batch of several records in it, instead of one lookup each', async () => {
    const records = Array.from({ length: 4 }, (_, i) => h.record(patRequest({ schema: `gitlab_${i}` })));
    const response = await h.invoke(records);
    expect(failedIds(response)).toEqual([]);
    const gets = h.fivetranCalls('GET');
    expect(gets).toHaveLength(1);
    expect(gets[0]!.query).toEqual({ limit: '1000' });
    expect(h.fivetranCalls('POST')).toHaveLength(4);
  });

  it('reads each credentials secret once per container however many records name it', async () => {
    const records = Array.from({ length: 10 }, (_, i) => h.record(patRequest({ schema: `gitlab_${i}` })));
    await h.invoke(records.slice(0, 5));
    await h.invoke(records.slice(5));
    const reads = h.secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId);
    expect(reads.filter((id) => id === `${GROUP_CREDENTIALS}team-a`)).toHaveLength(1);
    expect(reads.filter((id) => id === API_KEY_SECRET_ID)).toHaveLength(1);
  });
});

describe('provisioning handler: secret rotation', () => {
  it('reads the API key and the credentials again once the cache period is over', async () => {
    // given a warm container that has read both secrets
    await h.invoke([h.record(patRequest({ schema: 'gitlab_1' }))]);
    // when the cache period passes and the API key was rotated meanwhile
    h.advanceClock(h.config.secretsCacheTtlSeconds * 1000);
    await h.invoke([h.record(patRequest({ schema: 'gitlab_2' }))]);
    // then each secret was read twice, and both connections exist
    const reads = h.secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId);
    expect(reads.filter((id) => id === API_KEY_SECRET_ID)).toHaveLength(2);
    expect(reads.filter((id) => id === `${GROUP_CREDENTIALS}team-a`)).toHaveLength(2);
    expect(h.sandbox.connections()).toHaveLength(2);
  });

  it('reads the API key again on the next invocation after Fivetran refused it', async () => {
    // given a key Fivetran refuses, as while an operator rotates it
    h.sandbox.injectFault({ kind: 'status', status: 401, times: h.config.maxAttemptsPerDelivery });
    const record = h.record(patRequest());
    expect(failedIds(await h.invoke([record]))).toEqual([record.messageId]);
    // when the record comes back, well within the cache period
    expect(failedIds(await h.invoke([h.record(patRequest())]))).toEqual([]);
    // then the key was read a second time, and the connection created
    const reads = h.secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId);
    expect(reads.filter((id) => id === API_KEY_SECRET_ID)).toHaveLength(2);
    expect(h.sandbox.connections()).toHaveLength(1);
  });

  it('reads a missing API key again on the next invocation, without waiting for the cache period', async () => {
    h.setSecret(API_KEY_SECRET_ID, undefined);
    const first = h.record(patRequest());
    expect(failedIds(await h.invoke([first]))).toEqual([first.messageId]);
    h.setSecret(API_KEY_SECRET_ID, FAKE_API_KEY);
    expect(failedIds(await h.invoke([h.record(patRequest())]))).toEqual([]);
    expect(h.sandbox.connections()).toHaveLength(1);
  });
});

describe('provisioning handler: logs', () => {
  it('marks only the first invocation of a container as a cold start, on the lines of its records too', async () => {
    await h.invoke([h.record(patRequest({ schema: 'gitlab_first' }))]);
    const firstLines = h.logLines.length;
    await h.invoke([h.record(patRequest({ schema: 'gitlab_second' }))]);
    const recordLines = (from: number, to?: number) =>
      h.logLines
        .slice(from, to)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => typeof line.sqsMessageId === 'string');
    expect(recordLines(0, firstLines).map((line) => line.cold_start)).toContain(true);
    expect(recordLines(firstLines).length).toBeGreaterThan(0);
    expect(recordLines(firstLines).every((line) => line.cold_start === false)).toBe(true);
  });

  it('writes structured JSON with the request id and message id on every line of a record, and no secret anywhere', async () => {
    h.sandbox.injectFault({ method: 'POST', kind: 'status', status: 503 });
    h.setSecret(`${GROUP_CREDENTIALS}mtls`, FAKE_MTLS);
    const mtls = patRequest({ schema: 'gitlab_mtls', credentialsSecretId: `${GROUP_CREDENTIALS}mtls` });
    mtls.connection.config.enable_mtls_connection = 'true';
    const records = [h.record(patRequest()), h.record(mtls), h.record('nope')];
    await h.invoke(records);
    const lines = h.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const recordLines = lines.filter((line) => typeof line.sqsMessageId === 'string');
    expect(recordLines.length).toBeGreaterThanOrEqual(records.length);
    for (const line of recordLines) {
      expect(line).toHaveProperty('level');
      expect(line).toHaveProperty('timestamp');
      const record = records.find((r) => r.messageId === line.sqsMessageId)!;
      const expectedRequestId = record.body === 'nope' ? undefined : JSON.parse(record.body).requestId;
      expect(line.requestId).toBe(expectedRequestId);
    }
    const everything = [...h.logLines, ...h.events().map((e) => JSON.stringify(e))].join('\n');
    expect(everything).not.toContain(SECRET_MARKER);
  });
});
