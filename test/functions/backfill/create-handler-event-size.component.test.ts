import { describe, expect, it } from 'vitest';
import { patRequest } from '../../../local/world/fixtures';
import {
  type BackfillWorld,
  completedEvents,
  newBackfill,
  putManifest,
  schedule,
  TINY_BUDGET_MS,
  useBackfillWorld,
} from './support/backfill-world';

/**
 * The backfill handler's limits on what it sends (see create-handler.component.test.ts for the world):
 * a follow-up invocation's payload and the `Backfill Completed` event stay under 256 KiB however
 * much a manifest has to report.
 */
let world: BackfillWorld;
useBackfillWorld(
  (started) => {
    world = started;
  },
  { reset: true },
);

const teamA = (schema: string) => patRequest({ schema, groupId: 'team_a_group' });

describe('a manifest with more to say than an event can carry', () => {
  it('keeps Backfill Completed and every follow-up payload under 256 KiB, counting what it left out, and never repeats a field name that may be a token', async () => {
    // given 60 invalid lines, each with 15 unknown fields whose names are 2,000 characters long and look like tokens
    const lines = Array.from({ length: 60 }, (_, line) => ({
      ...teamA(`gitlab_noisy_${line}`),
      ...Object.fromEntries(Array.from({ length: 15 }, (_, field) => [`glpat-${'x'.repeat(2_000)}-${line}-${field}`, true])),
    }));
    await putManifest(world, 'noisy.jsonl', lines);
    const backfill = await newBackfill(world, { chunkLines: 20 });

    // when the run goes through it, handing over between chunks
    const results = await backfill.runToEnd(schedule('noisy.jsonl'), TINY_BUDGET_MS);

    // then every follow-up's payload fits Lambda's asynchronous limit
    expect(results.map((result) => result.status)).toEqual(['handed_off', 'handed_off', 'completed']);
    const payloadBytes = world.lambda.invocations.map((invocation) => Buffer.byteLength(JSON.stringify(invocation.payload)));
    expect(payloadBytes.every((bytes) => bytes <= 256 * 1024)).toBe(true);
    // and the one event fits EventBridge's, with the lines and issues it could not list counted
    const published = world.aws.events.find((event) => event.detailType === 'Backfill Completed')!;
    expect(Buffer.byteLength(JSON.stringify(published))).toBeLessThanOrEqual(256 * 1024);
    const [event] = completedEvents(world);
    expect(event!.counts).toMatchObject({ lines: 60, invalid: 60 });
    expect(event!.invalidLines.length + event!.invalidLinesOmitted).toBe(60);
    expect(event!.invalidLines.length).toBeGreaterThan(0);
    for (const line of event!.invalidLines) {
      expect(line.issues.length + (line.issuesOmitted ?? 0)).toBe(15);
      expect(line.issues.length).toBeLessThanOrEqual(10);
    }
    // and no field name was repeated, only its length
    expect(JSON.stringify(event)).not.toContain('glpat-');
    expect(event!.invalidLines[0]!.issues[0]).toEqual({ path: '<unknown field name of 2010 characters>', reason: 'unknown field' });
  });
});
