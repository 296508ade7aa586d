import { describe, expect, it } from 'vitest';
import { createKeyedLimiter } from '../../../functions/provision/keyed-limiter';

/** A task that records when it starts and ends, and finishes when told. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('keyed limiter', () => {
  it('runs tasks of different keys concurrently up to the limit', async () => {
    // given a limit of 2 and three tasks of distinct keys that block until released
    const limiter = createKeyedLimiter(2);
    const started: string[] = [];
    const gates = ['a', 'b', 'c'].map(() => gate());
    const runs = ['a', 'b', 'c'].map((key, i) =>
      limiter.run(key, async () => {
        started.push(key);
        await gates[i]!.opened;
      }),
    );
    // when the event loop settles
    await tick();
    // then only two have started
    expect(started).toEqual(['a', 'b']);
    gates[0]!.open();
    await tick();
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    gates[1]!.open();
    gates[2]!.open();
    await Promise.all(runs);
  });

  it('runs tasks of one key one after another, in submission order, even when one fails', async () => {
    const limiter = createKeyedLimiter(10);
    const events: string[] = [];
    const first = gate();
    const runs = [
      limiter.run('same', async () => {
        events.push('1 start');
        await first.opened;
        events.push('1 end');
        throw new Error('boom');
      }),
      limiter.run('same', async () => {
        events.push('2 start');
        events.push('2 end');
      }),
      limiter.run('other', async () => {
        events.push('other');
      }),
    ];
    await tick();
    expect(events).toEqual(['1 start', 'other']);
    first.open();
    const results = await Promise.allSettled(runs);
    expect(events).toEqual(['1 start', 'other', '1 end', '2 start', '2 end']);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
  });

  it('refuses a concurrency below one', () => {
    expect(() => createKeyedLimiter(0)).toThrow(RangeError);
  });
});
