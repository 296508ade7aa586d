import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CONNECTION_CREDENTIALS_APPLIED,
  CONNECTION_LIFECYCLE_REQUEST_FAILED,
  connectionCredentialsAppliedDetailSchema,
} from '../../shared/contracts/lifecycle-events';
import { type RotationWorld, SECRET_A, SECRET_B, startRotationWorld } from './support/rotation-world';

/**
 * A rotation from end to end: one PutSecretValue on a credentials secret, the
 * stand-in's `Secret Label Updated`, the fan-out, the queue, the worker, the
 * sandbox and the ledger, all through the real SDK; and the drift check that
 * repairs a missed event.
 */
let w: RotationWorld;
let ids: Record<string, string>;
/** Connections on secret A (rotated in these tests) and on secret B (never rotated). */
const ON_A = ['rot_a_one', 'rot_a_two', 'rot_a_three'];
const ON_B = ['rot_b_one', 'rot_b_two'];

beforeEach(async () => {
  w = await startRotationWorld();
  ids = await w.create([
    ...ON_A.map((schema) => ({ schema, secretName: SECRET_A })),
    ...ON_B.map((schema) => ({ schema, secretName: SECRET_B })),
  ]);
});
afterEach(() => w.close());

const idsOn = (schemas: string[]) => schemas.map((schema) => ids[schema]!);
const rotatedToken = (tag: string) => ({ personal_access_token: `fake-pat-rotated-${tag}-${'x'.repeat(12)}` });

/** The PATCH bodies Fivetran received, by connection id. */
function patchesByConnection(w: RotationWorld): Map<string, unknown[]> {
  const byConnection = new Map<string, unknown[]>();
  for (const call of w.patches()) {
    const connectionId = call.path.split('/').pop()!;
    byConnection.set(connectionId, [...(byConnection.get(connectionId) ?? []), call.body]);
  }
  return byConnection;
}

async function appliedVersions(connectionIds: string[]) {
  return Promise.all(connectionIds.map(async (id) => (await w.connection(id)).appliedVersionId));
}

describe('one rotation', () => {
  it('gives each connection on the rotated secret one PATCH with the new token, and the ledger and events agree', async () => {
    // given three connections on secret A and two on secret B, recorded by the create path
    const onA = idsOn(ON_A);
    const before = await appliedVersions(onA);
    const untouchedB = await appliedVersions(idsOn(ON_B));
    // when A gets a new version, whose event reaches the fan-out, whose requests reach the worker
    const token = rotatedToken('one');
    const versionId = await w.rotate(SECRET_A, token);
    await w.drain();
    // then each connection on A had exactly one PATCH, of only the new token and run_setup_tests; none on B had any
    const patches = patchesByConnection(w);
    expect([...patches.keys()].sort()).toEqual([...onA].sort());
    for (const id of onA) expect(patches.get(id)).toEqual([{ config: token, run_setup_tests: true }]);
    // and the ledger records the new version on A's connections, and B's stay where they were
    expect(await appliedVersions(onA)).toEqual(onA.map(() => versionId));
    expect(await appliedVersions(idsOn(ON_B))).toEqual(untouchedB);
    // and one Credentials Applied per connection, whose versions agree with the ledger's before and after
    const applied = w.events().filter((event) => event.detailType === CONNECTION_CREDENTIALS_APPLIED);
    expect(applied.map((event) => event.detail.connectionId).sort()).toEqual([...onA].sort());
    for (const event of applied) {
      const detail = connectionCredentialsAppliedDetailSchema.parse(event.detail);
      expect(detail).toMatchObject({
        secretName: SECRET_A,
        versionId,
        previousVersionId: before[onA.indexOf(detail.connectionId)],
        trigger: 'rotation',
        requestId: `rotate:${detail.connectionId}:${versionId}`,
      });
    }
    expect(await w.deadLetters()).toEqual([]);
    // and no piece of any secret value, old or new, in a log line, an event or an answer
    expect(w.logLines.length).toBeGreaterThan(0);
    expect(w.leaks()).toEqual([]);
  });
});

describe('stale events', () => {
  it("does nothing for the old version's event delivered after the rotation, nor for a label other than AWSCURRENT", async () => {
    // given a rotation of A that has been applied
    const [oldVersionId] = await appliedVersions(idsOn(ON_A));
    const versionId = await w.rotate(SECRET_A, rotatedToken('stale'));
    await w.drain();
    const event = w.labelEvents.at(-1)!;
    const writes = w.writes().length;
    const events = w.events().length;
    // when the first version's event arrives late, and a label other than AWSCURRENT moves to the new version
    const late = await w.deliver({ ...event, detail: { ...event.detail, versionId: oldVersionId } });
    const otherLabel = await w.deliver({ ...event, detail: { ...event.detail, labelUpdated: 'AWSPREVIOUS' } });
    // (the late one reaches the worker as one request per connection; the fan-out drops the other label)
    expect(late).toMatchObject({ status: 'enqueued', requestIds: ON_A.map(() => expect.stringContaining(oldVersionId!)) });
    expect(otherLabel).toMatchObject({ status: 'ignored', reason: 'label' });
    await w.drain();
    // then Fivetran is not called, nothing is published, and the ledger stays on the new version
    expect(w.writes()).toHaveLength(writes);
    expect(w.events()).toHaveLength(events);
    expect(await appliedVersions(idsOn(ON_A))).toEqual(ON_A.map(() => versionId));
  });
});

describe('a missed event', () => {
  it('is repaired by one run of the drift check', async () => {
    // given a new version of A whose event nobody received
    w.listen(false);
    const token = rotatedToken('missed');
    const versionId = await w.rotate(SECRET_A, token);
    await w.drain();
    expect(w.patches()).toEqual([]);
    // when the drift check runs once
    const result = await w.driftCheck();
    await w.drain();
    // then each connection on A had one PATCH with the new token, and the ledger records it
    expect(result).toMatchObject({ secrets: 2, unreadable: [], notChecked: 0 });
    const patches = patchesByConnection(w);
    expect([...patches.keys()].sort()).toEqual([...idsOn(ON_A)].sort());
    for (const id of idsOn(ON_A)) expect(patches.get(id)).toEqual([{ config: token, run_setup_tests: true }]);
    expect(await appliedVersions(idsOn(ON_A))).toEqual(ON_A.map(() => versionId));
    const triggers = w
      .events()
      .filter((event) => event.detailType === CONNECTION_CREDENTIALS_APPLIED)
      .map((event) => event.detail.trigger);
    expect(triggers).toEqual(ON_A.map(() => 'drift'));
    // and a second run finds nothing behind
    expect(await w.driftCheck()).toMatchObject({ requestIds: [] });
    expect(w.leaks()).toEqual([]);
  });
});

describe('delivered more than once', () => {
  it('the same fan-out event delivered twice still gives one PATCH per connection', async () => {
    const versionId = await w.rotate(SECRET_A, rotatedToken('twice'));
    await w.deliver(w.labelEvents.at(-1));
    await w.drain();
    const patches = patchesByConnection(w);
    for (const id of idsOn(ON_A)) expect(patches.get(id)).toHaveLength(1);
    expect(patches.size).toBe(ON_A.length);
    expect(await appliedVersions(idsOn(ON_A))).toEqual(ON_A.map(() => versionId));
    expect(await w.deadLetters()).toEqual([]);
  });

  it('every SQS message delivered twice still gives one PATCH per connection, and the same event again', async () => {
    const versionId = await w.rotate(SECRET_A, rotatedToken('redelivered'));
    await w.drain({ redeliverEach: true });
    const patches = patchesByConnection(w);
    for (const id of idsOn(ON_A)) expect(patches.get(id)).toHaveLength(1);
    expect(patches.size).toBe(ON_A.length);
    expect(await appliedVersions(idsOn(ON_A))).toEqual(ON_A.map(() => versionId));
    // A redelivered request that succeeded publishes the event it stored, so a subscriber dedupes on sqsMessageId.
    const applied = w.events().filter((event) => event.detailType === CONNECTION_CREDENTIALS_APPLIED);
    for (const id of idsOn(ON_A)) {
      const ofConnection = applied.filter((event) => event.detail.connectionId === id);
      expect(ofConnection).toHaveLength(2);
      expect(ofConnection[1]).toEqual(ofConnection[0]);
    }
    expect(await w.deadLetters()).toEqual([]);
  });
});

describe('a rotation to credentials that fail the setup tests', () => {
  it('reports SETUP_TESTS_FAILED for each connection and leaves the ledger on the old version', async () => {
    const before = await appliedVersions(idsOn(ON_A));
    await w.rotate(SECRET_A, { personal_access_token: `fake-pat-expired-${'e'.repeat(12)}` });
    await w.drain();
    const failed = w.events().filter((event) => event.detailType === CONNECTION_LIFECYCLE_REQUEST_FAILED);
    expect(failed.map((event) => event.detail.connectionId).sort()).toEqual([...idsOn(ON_A)].sort());
    for (const event of failed) expect(event.detail).toMatchObject({ errorCode: 'SETUP_TESTS_FAILED', retryable: false });
    expect(w.events().filter((event) => event.detailType === CONNECTION_CREDENTIALS_APPLIED)).toEqual([]);
    expect(await appliedVersions(idsOn(ON_A))).toEqual(before);
    expect(await w.deadLetters()).toEqual([]);
    expect(w.leaks()).toEqual([]);
  });
});
