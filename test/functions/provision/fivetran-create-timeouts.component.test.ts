/**
 * How long the worker waits for Fivetran's answer to a create (the rest of its answers are in
 * fivetran-answers.component.test.ts): the handler end to end, through the real HTTP client,
 * against a sandbox that takes its time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { patRequest } from '../../../local/world/fixtures';
import { connectionProvisionedDetailSchema } from '../../../shared/contracts/events';
import { failedIds, fivetranCallLines, type Harness, type HarnessOptions, startPatHarness } from '../../support/handler-harness';

let h: Harness;
afterEach(async () => {
  expect(h.sandbox.contractViolations).toEqual([]);
  await h.close();
});

// Each group the tests name has its own credentials.
const harness = async (options: HarnessOptions = {}): Promise<Harness> => {
  h = await startPatHarness(options, ['sandbox_group', 'no_such_group', 'other_group']);
  return h;
};

describe('the create waits for Fivetran, which answers within 60 s', () => {
  it('hears a slow create out instead of giving up at the lookup timeout: one POST, created, setup tests kept', async () => {
    await harness({ env: { FIVETRAN_REQUEST_TIMEOUT_MS: '150', FIVETRAN_CREATE_TIMEOUT_MS: '3000' } });
    h.sandbox.setCreateLatency(500);

    const response = await h.invoke([h.record(patRequest())]);

    expect(failedIds(response)).toEqual([]);
    expect(h.fivetranCalls('POST')).toHaveLength(1);
    const detail = connectionProvisionedDetailSchema.parse(h.events()[0]!.detail);
    expect(detail).toMatchObject({ outcome: 'created', attempts: 1 });
    expect(detail.setupTests.map((test) => test.status)).toEqual(['PASSED', 'PASSED']);
  });

  it("after Fivetran's own limit answers 500 for a create it applied, looks it up: already_exists, one POST", async () => {
    await harness({ env: { FIVETRAN_CREATE_TIMEOUT_MS: '3000' }, sandbox: { serverTimeoutMs: 300 } });
    h.sandbox.setCreateLatency(1_000);

    const response = await h.invoke([h.record(patRequest())]);

    expect(failedIds(response)).toEqual([]);
    expect(fivetranCallLines(h)).toEqual([
      'GET /v1/groups/sandbox_group/connections 200',
      'POST /v1/connections 500',
      'GET /v1/groups/sandbox_group/connections 200',
    ]);
    expect(h.events()[0]!.detail).toMatchObject({ outcome: 'already_exists', connectionId: h.sandbox.connections()[0]!.id });
  });

  it("never waits past the invocation's deadline for a create: the record goes back to the queue", async () => {
    // 2.5 s left, 1 s kept back: the create may take 1.5 s of its 65 s, then the record is handed back.
    // (One attempt: the harness's clock moves only when the worker sleeps, so time spent waiting is not counted down.)
    await harness({ env: { SAFETY_MARGIN_MS: '1000', MAX_ATTEMPTS_PER_DELIVERY: '1' }, remainingMs: 2_500 });
    h.sandbox.setCreateLatency(20_000);
    const record = h.record(patRequest());

    const response = await h.invoke([record]);

    expect(failedIds(response)).toEqual([record.messageId]);
    expect(h.events()).toEqual([]);
  });
});
