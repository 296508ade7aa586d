import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moveInBatches } from '../../../cli/redrive/batch-move';
import { contents, createQueuePair, deadLetter, type RedriveWorld, startRedriveWorld } from '../support/redrive-world';

/** The receive/send/delete strategy on its own, with a clock that moves only when it sleeps. */
let world: RedriveWorld;
beforeAll(async () => {
  world = await startRedriveWorld();
});
afterAll(async () => {
  await world?.close();
});

function fakeClock() {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

describe('moving dead letters one batch at a time', () => {
  it('paces the batches to the rate: no more than n messages a second reach the destination', async () => {
    // given 25 dead letters and a rate of 10 a second
    const { queue, dlq } = await createQueuePair(world);
    deadLetter(
      world,
      dlq.name,
      Array.from({ length: 25 }, (_, i) => `{"requestId":"r${i}"}`),
    );
    const clock = fakeClock();

    // when they are moved (the clock stands still while SQS answers)
    const report = await moveInBatches({
      sqs: world.admin,
      fromUrl: dlq.url,
      toUrl: queue.url,
      maxMessagesPerSecond: 10,
      receiveWaitSeconds: 0,
      ...clock,
    });

    // then batches of 10, 10 and 5 went out a second apart (the last half a second after the second)
    expect(report).toEqual({ moved: 25, notSent: 0, notDeleted: 0, failures: [], stoppedBecause: 'empty' });
    expect(clock.sleeps).toEqual([1_000, 1_000, 500]);
    expect(contents(world, queue.name).ready).toHaveLength(25);
  });

  it('receives no more at once than the rate allows', async () => {
    const { queue, dlq } = await createQueuePair(world);
    deadLetter(world, dlq.name, ['{"requestId":"a"}', '{"requestId":"b"}', '{"requestId":"c"}']);
    const clock = fakeClock();
    const batches: number[] = [];
    let movedSoFar = 0;
    await moveInBatches({
      sqs: world.admin,
      fromUrl: dlq.url,
      toUrl: queue.url,
      maxMessagesPerSecond: 1,
      receiveWaitSeconds: 0,
      ...clock,
      onBatch: (progress) => {
        batches.push(progress.moved - movedSoFar);
        movedSoFar = progress.moved;
      },
    });
    expect(batches).toEqual([1, 1, 1]);
    expect(clock.sleeps).toEqual([1_000, 1_000, 1_000]);
  });

  it('stops at the maximum, leaving the rest in the dead-letter queue', async () => {
    const { queue, dlq } = await createQueuePair(world);
    deadLetter(
      world,
      dlq.name,
      Array.from({ length: 14 }, (_, i) => `{"requestId":"m${i}"}`),
    );
    const report = await moveInBatches({
      sqs: world.admin,
      fromUrl: dlq.url,
      toUrl: queue.url,
      maxMessagesPerSecond: 500,
      maxMessages: 12,
      receiveWaitSeconds: 0,
      ...fakeClock(),
    });
    expect(report).toMatchObject({ moved: 12, stoppedBecause: 'max-reached' });
    expect(contents(world, dlq.name).ready).toHaveLength(2);
  });

  it('stops when a whole batch fails to send, deleting none of it', async () => {
    // given a destination that no longer exists
    const { dlq } = await createQueuePair(world);
    deadLetter(world, dlq.name, ['{"requestId":"a"}', '{"requestId":"b"}']);
    const gone = dlq.url.replace(/-dlq$/, '-deleted');

    // when the messages are moved there
    const report = await moveInBatches({
      sqs: world.admin,
      fromUrl: dlq.url,
      toUrl: gone,
      maxMessagesPerSecond: 10,
      receiveWaitSeconds: 0,
      ...fakeClock(),
    });

    // then nothing was deleted and the run stopped after the first batch
    expect(report).toMatchObject({ moved: 0, notSent: 2, notDeleted: 0, stoppedBecause: 'no-progress' });
    expect(report.failures[0]!.reason).toMatch(/QueueDoesNotExist|NonExistentQueue/);
    const left = contents(world, dlq.name);
    expect(left.ready.length + left.inFlight).toBe(2);
  });
});
