import { describe, expect, it } from 'vitest';
import { type BackfillCursor, backfillCursorSchema, MAX_REPORTED_LINES, startCursor } from '../../../functions/backfill/cursor';
import { parseManifest } from '../../../functions/backfill/manifest-lines';
import type { GroupListing } from '../../../functions/backfill/reconcile-plan';
import { type BackfillRunDeps, continueBackfill } from '../../../functions/backfill/run';
import { patRequest } from '../../../local/world/fixtures';
import type { ProvisioningRequest } from '../../../shared/contracts/request';
import type { EnqueueResult } from '../../../shared/producer';

const cursorFor = (mode: 'missing' | 'all' = 'missing'): BackfillCursor =>
  startCursor({
    runId: 'run-1',
    backfill: 'nightly',
    mode,
    manifest: { bucket: 'b', key: 'k', etag: '"e"' },
    startedAt: new Date('2025-01-01T00:00:00Z'),
  });
const manifestOf = (count: number, groupOf: (n: number) => string = () => 'g') =>
  parseManifest(
    Array.from({ length: count }, (_, i) => JSON.stringify(patRequest({ schema: `gitlab_${i + 1}`, groupId: groupOf(i + 1) }))).join('\n'),
  );

/** Fakes that record what the run did, in order. */
function recordingDeps(overrides: Partial<BackfillRunDeps> = {}) {
  const log: string[] = [];
  const sent: string[] = [];
  const deps: BackfillRunDeps = {
    chunkLines: 2,
    timeIsShort: () => false,
    listGroup: async (groupId): Promise<GroupListing> => {
      log.push(`list ${groupId}`);
      return { ok: true, schemas: new Map() };
    },
    enqueue: async (requests: ProvisioningRequest[]): Promise<EnqueueResult[]> => {
      log.push(`enqueue ${requests.map((request) => request.requestId).join(',')}`);
      sent.push(...requests.map((request) => request.requestId));
      return requests.map((request, index) => ({
        index,
        status: 'sent',
        requestId: request.requestId,
        messageId: `m-${request.requestId}`,
        attempts: 1,
      }));
    },
    onChunkSettled: (cursor) => log.push(`settled next=${cursor.nextLine}`),
    ...overrides,
  };
  return { deps, log, sent };
}

describe('running through a manifest', () => {
  it("moves the cursor past a chunk only after that chunk's enqueue returned", async () => {
    const { deps, log } = recordingDeps();
    const step = await continueBackfill(cursorFor(), manifestOf(5), deps);
    expect(step).toMatchObject({ kind: 'finished', cursor: { nextLine: 6, counts: { lines: 5, enqueued: 5 } } });
    expect(log).toEqual([
      'list g',
      'enqueue req-gitlab_1,req-gitlab_2',
      'settled next=3',
      'enqueue req-gitlab_3,req-gitlab_4',
      'settled next=5',
      'enqueue req-gitlab_5',
      'settled next=6',
    ]);
  });

  it('hands over between chunks when time is short, but always does the first chunk', async () => {
    // given an invocation that is short of time from the start
    const { deps, sent } = recordingDeps({ timeIsShort: () => true });

    // when it runs
    const step = await continueBackfill(cursorFor(), manifestOf(5), deps);

    // then it did one chunk and hands over at the next line
    expect(step).toMatchObject({ kind: 'handoff', cursor: { nextLine: 3, counts: { lines: 2, enqueued: 2 } } });
    expect(sent).toEqual(['req-gitlab_1', 'req-gitlab_2']);
  });

  it('continues from the cursor without touching the lines before it', async () => {
    const { deps, sent } = recordingDeps();
    const halfway = {
      ...cursorFor(),
      nextLine: 4,
      counts: { lines: 3, invalid: 0, duplicate: 0, alreadyProvisioned: 0, waiting: 0, enqueued: 3, failedToEnqueue: 0 },
    };
    const step = await continueBackfill(halfway, manifestOf(5), deps);
    expect(sent).toEqual(['req-gitlab_4', 'req-gitlab_5']);
    expect(step.cursor.counts).toMatchObject({ lines: 5, enqueued: 5 });
  });

  it('lists a group once per invocation however many chunks name it, and stops before listing a new group when time is short', async () => {
    // given lines alternating between two groups, and time that runs short after the second chunk
    let checks = 0;
    const { deps, log } = recordingDeps({ timeIsShort: () => ++checks > 1 });
    const lines = manifestOf(6, (n) => (n <= 4 ? 'g' : 'h'));

    // when it runs
    const step = await continueBackfill(cursorFor(), lines, deps);

    // then group g was listed once, and h never: the run handed over before it
    expect(log.filter((entry) => entry.startsWith('list'))).toEqual(['list g']);
    expect(step).toMatchObject({ kind: 'handoff', cursor: { nextLine: 5 } });
  });

  it("reports a refused enqueue per line with the producer's code, and caps the reported lines", async () => {
    const { deps } = recordingDeps({
      chunkLines: 100,
      enqueue: async (requests) =>
        requests.map((request, index) => ({
          index,
          status: 'refused',
          requestId: request.requestId,
          code: 'SQS_UNAVAILABLE',
          reason: 'ServiceUnavailable',
          attempts: 5,
        })),
    });
    const step = await continueBackfill(cursorFor(), manifestOf(30), deps);
    expect(step.cursor.counts).toMatchObject({ lines: 30, failedToEnqueue: 30, enqueued: 0 });
    expect(step.cursor.failedLines).toHaveLength(MAX_REPORTED_LINES);
    expect(step.cursor.failedLinesOmitted).toBe(30 - MAX_REPORTED_LINES);
    expect(step.cursor.failedLines[0]).toEqual({
      line: 1,
      requestId: 'req-gitlab_1',
      groupId: 'g',
      code: 'SQS_UNAVAILABLE',
      reason: 'ServiceUnavailable',
    });
  });

  it('asks the ledger only about the requests it would enqueue, counts the deferred ones as waiting with the soonest next try, and sends the rest', async () => {
    // given a run over three chunks of missing schemas, where the ledger has lines 2, 3 and 5 deferred
    const asked: string[][] = [];
    const deferred = new Map([
      ['req-gitlab_2', { notBefore: '2026-11-30T13:00:00.000Z' }],
      ['req-gitlab_3', { notBefore: '2026-11-30T12:30:00.000Z' }],
      ['req-gitlab_5', { notBefore: '2026-11-30T14:00:00.000Z' }],
    ]);
    const { deps, sent } = recordingDeps({
      findDeferred: async (ids) => {
        asked.push(ids);
        return new Map([...deferred].filter(([id]) => ids.includes(id)));
      },
      now: () => Date.parse('2026-11-30T12:00:00.000Z'),
    });

    // when it runs to the end
    const step = await continueBackfill(cursorFor(), manifestOf(6), deps);

    // then the deferred three wait, the soonest at 12:30, and the other three were sent
    expect(asked).toEqual([
      ['req-gitlab_1', 'req-gitlab_2'],
      ['req-gitlab_3', 'req-gitlab_4'],
      ['req-gitlab_5', 'req-gitlab_6'],
    ]);
    expect(sent).toEqual(['req-gitlab_1', 'req-gitlab_4', 'req-gitlab_6']);
    expect(step.cursor.counts).toMatchObject({ lines: 6, waiting: 3, enqueued: 3, failedToEnqueue: 0 });
    expect(step.cursor.soonestNotBefore).toBe('2026-11-30T12:30:00.000Z');
  });

  it('does not ask the ledger in mode "all", which enqueues every valid line', async () => {
    const asked: string[][] = [];
    const { deps, sent } = recordingDeps({
      findDeferred: async (ids) => {
        asked.push(ids);
        return new Map();
      },
    });
    await continueBackfill(cursorFor('all'), manifestOf(2), deps);
    expect({ asked, sent }).toEqual({ asked: [], sent: ['req-gitlab_1', 'req-gitlab_2'] });
  });

  it('carries on from a cursor handed over before lines could wait, counting none waiting so far', () => {
    const { waiting: _none, ...olderCounts } = { ...cursorFor().counts, lines: 3, enqueued: 3 };
    const parsed = backfillCursorSchema.parse({ ...cursorFor(), nextLine: 4, counts: olderCounts });
    expect(parsed.counts).toEqual({ ...olderCounts, waiting: 0 });
  });
});
