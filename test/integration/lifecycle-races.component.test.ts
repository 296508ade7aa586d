import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { reapplyRequestFor } from '../../shared/contracts/lifecycle-request';
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

describe('two rotations applied at once by two runs', () => {
  const token = (name: string) => `fake-pat-${name}-${'r'.repeat(16)}`;
  const tokenAtFivetran = (connectionId: string) => {
    const stored = w.sandbox.connections().find((c) => c.id === connectionId);
    return (stored?.createRequest.config as Record<string, string> | undefined)?.personal_access_token;
  };

  /** Starts the run of V2 and holds its PATCH in the sandbox until `delayMs` pass; V3 is then made current. */
  async function v2HeldThenV3(connectionId: string, delayMs: number) {
    const v2 = await w.rotate({ personal_access_token: token('v2') });
    w.sandbox.injectFault({ kind: 'latency', delayMs, method: 'PATCH' });
    const v2Record = w.record(reapplyRequestFor(connectionId, v2, 'rotation'));
    const v2Run = w.invoke([v2Record]);
    await vi.waitFor(() => expect(w.sandbox.pendingRequests).toBe(1));
    const v3 = await w.rotate({ personal_access_token: token('v3') });
    return { v2, v2Record, v2Run, v3 };
  }

  it('when the older version lands last, the ledger does not keep it as applied, and the drift check then applies the current one', async () => {
    // Given V2's PATCH held while V3 is applied and recorded by another run
    const { connectionId } = await w.create();
    const { v2Record, v2Run, v3 } = await v2HeldThenV3(connectionId, 500);
    expect((await w.invoke([w.record(reapplyRequestFor(connectionId, v3, 'rotation'))])).batchItemFailures).toEqual([]);

    // When V2's PATCH lands after V3's and its run records afterwards
    const v2Answer = await v2Run;

    // Then Fivetran holds V2; the ledger says no version it may not hold, and the V2 run goes back to the queue
    expect(tokenAtFivetran(connectionId)).toBe(token('v2'));
    expect((await w.ledger!.getConnection(connectionId))?.appliedVersionId).toBeUndefined();
    expect(v2Answer.batchItemFailures).toEqual([{ itemIdentifier: v2Record.messageId }]);

    // And when V2 comes again it is stale, and the drift check's request for V3 applies V3 again
    await w.invoke([v2Record]);
    await w.invoke([w.record(reapplyRequestFor(connectionId, v3, 'drift'))]);
    expect(tokenAtFivetran(connectionId)).toBe(token('v3'));
    expect((await w.ledger!.getConnection(connectionId))?.appliedVersionId).toBe(v3);
    expect(w.leaks()).toEqual([]);
  });

  it('when the older version lands last but its run records first, the newer run does not claim its version and applies it again', async () => {
    // Given the V3 run's ledger write held until the V2 run is done
    await w.close();
    let v2Done: () => void = () => undefined;
    const v2Finished = new Promise<void>((resolve) => (v2Done = resolve));
    let v3Version = '';
    w = await startLifecycleWorld({
      wrapLedger: (ledger) => ({
        ...ledger,
        async recordCredentialsApplied(connectionId, applied, options) {
          if (applied.versionId === v3Version) await v2Finished;
          return ledger.recordCredentialsApplied(connectionId, applied, options);
        },
      }),
    });
    const { connectionId } = await w.create();
    const { v2Run, v3 } = await v2HeldThenV3(connectionId, 300);
    v3Version = v3;
    const v3Record = w.record(reapplyRequestFor(connectionId, v3, 'rotation'));

    // When V3's PATCH lands first, V2's lands last, V2 records, then V3 records
    const v3Run = w.invoke([v3Record]);
    expect((await v2Run).batchItemFailures).toEqual([]);
    v2Done();
    const v3Answer = await v3Run;

    // Then the ledger does not claim V3, which Fivetran does not hold; the V3 run goes back to the queue
    expect(tokenAtFivetran(connectionId)).toBe(token('v2'));
    expect((await w.ledger!.getConnection(connectionId))?.appliedVersionId).not.toBe(v3);
    expect(v3Answer.batchItemFailures).toEqual([{ itemIdentifier: v3Record.messageId }]);

    // And its redelivery applies V3
    expect((await w.invoke([v3Record])).batchItemFailures).toEqual([]);
    expect(tokenAtFivetran(connectionId)).toBe(token('v3'));
    expect((await w.ledger!.getConnection(connectionId))?.appliedVersionId).toBe(v3);
  });
});
