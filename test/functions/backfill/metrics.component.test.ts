import { afterEach, describe, expect, it, vi } from 'vitest';
import { patRequest } from '../../../local/world/fixtures';
import { AMPLE_BUDGET_MS, type BackfillWorld, MANIFEST_BUCKET, newBackfill, putManifest, useBackfillWorld } from './support/backfill-world';

/**
 * The backfill's CloudWatch metrics (EMF lines on stdout, which Lambda sends to
 * CloudWatch): an aborted run is counted, so it raises an alarm besides its event.
 */
let world: BackfillWorld;
useBackfillWorld((started) => {
  world = started;
});
afterEach(() => vi.restoreAllMocks());

type Emf = { _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] } } & Record<string, unknown>;

/** The EMF documents the run writes to stdout. */
async function metricsOf(run: () => Promise<unknown>): Promise<Emf[]> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(String(chunk));
    return write(chunk, ...(rest as []));
  });
  await run();
  return lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Emf);
}
const counted = (documents: Emf[], name: string): number[] =>
  documents
    .filter((doc) => doc._aws.CloudWatchMetrics.some((m) => m.Namespace === 'FivetranProvisioner'))
    .flatMap((doc) => {
      const value = doc[name];
      return value === undefined ? [] : [value].flat().map(Number);
    });

describe('backfill metrics', () => {
  it('counts an aborted run in BackfillsAborted, and no completed run', async () => {
    // given a schedule whose manifest does not exist
    const backfill = await newBackfill(world);

    // when the schedule fires
    const documents = await metricsOf(() =>
      backfill.invoke({ backfill: 'nightly', manifest: { bucket: MANIFEST_BUCKET, key: 'absent.jsonl' } }, AMPLE_BUDGET_MS),
    );

    // then the abort is counted
    expect(counted(documents, 'BackfillsAborted')).toEqual([1]);
    expect(counted(documents, 'BackfillsCompleted')).toEqual([]);
  });

  it('counts a completed run and the requests it enqueued', async () => {
    // given a manifest of two requests for schemas without a connection, in mode "all"
    const backfill = await newBackfill(world);
    const key = 'metrics.jsonl';
    await putManifest(world, key, [
      patRequest({ schema: 'metrics_one', groupId: 'team_a_group' }),
      patRequest({ schema: 'metrics_two', groupId: 'team_a_group' }),
    ]);

    // when the schedule fires
    const documents = await metricsOf(() =>
      backfill.invoke({ backfill: 'nightly', manifest: { bucket: MANIFEST_BUCKET, key }, mode: 'all' }, AMPLE_BUDGET_MS),
    );

    // then one completed run with two requests enqueued is counted, and no abort
    expect(counted(documents, 'BackfillsCompleted')).toEqual([1]);
    expect(counted(documents, 'BackfillRequestsEnqueued')).toEqual([2]);
    expect(counted(documents, 'BackfillsAborted')).toEqual([]);
  });
});
