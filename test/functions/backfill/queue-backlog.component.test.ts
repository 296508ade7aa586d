import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { patRequest } from '../../../local/world/fixtures';
import {
  AMPLE_BUDGET_MS,
  type BackfillWorld,
  completedEvents,
  MANIFEST_BUCKET,
  newBackfill,
  putManifest,
  useBackfillWorld,
} from './support/backfill-world';

/**
 * A backfill's requests can wait on the queue for Fivetran's budget long after
 * the run: `Backfill Completed` says how many wait, and how many of them are
 * deferred, so a run is not read as failed while its backlog drains.
 */
let world: BackfillWorld;
useBackfillWorld((started) => {
  world = started;
});

describe('Backfill Completed and the queue backlog', () => {
  it('reports the requests waiting on the provisioning queue, and those deferred for Fivetran’s budget, as waiting rather than failed', async () => {
    // given a queue holding one request deferred for Fivetran's budget (delayed), and a manifest of two missing schemas
    const backfill = await newBackfill(world);
    await world.sqs.send(
      new SendMessageCommand({
        QueueUrl: backfill.queueUrl,
        MessageBody: JSON.stringify(patRequest({ schema: 'gitlab_deferred', groupId: 'team_a_group' })),
        DelaySeconds: 900,
      }),
    );
    await putManifest(world, 'backlog.jsonl', [
      patRequest({ schema: 'gitlab_q1', groupId: 'team_a_group' }),
      patRequest({ schema: 'gitlab_q2', groupId: 'team_b_group' }),
    ]);
    // when the run ends
    const results = await backfill.runToEnd(
      { backfill: 'nightly', manifest: { bucket: MANIFEST_BUCKET, key: 'backlog.jsonl' } },
      AMPLE_BUDGET_MS,
    );
    // then its event counts the two it enqueued as waiting, the delayed one as deferred, and no failure
    expect(results.map((result) => result.status)).toEqual(['completed']);
    const [event] = completedEvents(world).slice(-1);
    expect(event).toMatchObject({
      status: 'completed',
      counts: { enqueued: 2, failedToEnqueue: 0 },
      queue: { waiting: 2, inFlight: 0, deferred: 1 },
    });
  });
});
