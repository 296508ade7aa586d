import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LifecycleWorld, startLifecycleWorld } from './support/lifecycle-world';

/**
 * Two runs on one connection at once: in one batch, and in two containers
 * sharing the ledger. The ledger must never say Fivetran holds something it
 * may not hold.
 */
let w: LifecycleWorld;
beforeEach(async () => (w = await startLifecycleWorld()));
afterEach(() => w.close());

describe('one connection named two ways in one batch', () => {
  it('runs a pause named by the connection id and a resume named by the create request id one after the other, in order', async () => {
    // Given a connection, and a slow first PATCH
    const { request, connectionId } = await w.create();
    w.sandbox.injectFault({ kind: 'latency', delayMs: 400, method: 'PATCH' });

    // When one batch pauses it by its connection id, then resumes it by the create's request id
    const response = await w.invoke([
      w.record({ requestId: 'p-by-id', action: 'pause', target: { connectionId } }),
      w.record({ requestId: 'r-by-request', action: 'resume', target: { requestId: request.requestId } }),
    ]);

    // Then the resume waited for the pause: Fivetran and the ledger both end resumed
    expect(response.batchItemFailures).toEqual([]);
    expect(
      w
        .writes()
        .filter((call) => call.method === 'PATCH')
        .map((call) => call.body),
    ).toEqual([{ paused: true }, { paused: false }]);
    expect(w.sandbox.connections().find((c) => c.id === connectionId)?.data.paused).toBe(false);
    expect((await w.ledger!.getConnection(connectionId))?.state).toBe('active');
  });
});
