import { describe, expect, it } from 'vitest';
import { API_KEY_SECRET_ID, patRequest, SECRET_MARKER } from '../../../local/world/fixtures';
import {
  AMPLE_BUDGET_MS,
  BACKFILL_FUNCTION_ARN,
  type BackfillWorld,
  completedEvents,
  groupListings,
  MANIFEST_BUCKET,
  newBackfill,
  putManifest,
  schedule,
  TINY_BUDGET_MS,
  useBackfillWorld,
} from './support/backfill-world';

/**
 * The backfill handler end to end: manifest in S3 (fauxqs), Fivetran groups
 * in the sandbox, requests onto an SQS queue (fauxqs) through the producer,
 * the `Backfill Completed` event on EventBridge (stand-in), and follow-up
 * invocations through Lambda's Invoke API (stand-in).
 */
let world: BackfillWorld;
useBackfillWorld(
  (started) => {
    world = started;
  },
  { reset: true },
);

const teamA = (schema: string) => patRequest({ schema, groupId: 'team_a_group' });
const teamB = (schema: string) => patRequest({ schema, groupId: 'team_b_group' });

describe('reconciling a manifest with Fivetran', () => {
  it('lists each group once, enqueues only the schemas without a connection, and reports every other line', async () => {
    // given connections that exist already, one of them a Jira connection holding a GitLab schema
    world.sandbox.seedConnection({ groupId: 'team_a_group', schema: 'gitlab_a1' });
    world.sandbox.seedConnection({ groupId: 'team_b_group', schema: 'gitlab_b2' });
    world.sandbox.seedConnection({ groupId: 'team_b_group', schema: 'jira_b', service: 'jira' });
    await putManifest(world, 'teams.jsonl', [
      teamA('gitlab_a1'),
      teamA('gitlab_a2'),
      '',
      {
        requestId: 'bad-1',
        connection: { group_id: 'team_a_group', service: 'gitlab', sync_frequency: 7, colour: 'red', config: { schema: 'Bad Schema' } },
      },
      '{"requestId": "no-closing-brace"',
      teamB('gitlab_b1'),
      { ...teamB('jira_b'), requestId: 'wants-jira-schema' },
      { ...teamA('gitlab_a2'), requestId: 'same-as-line-2' },
      teamB('gitlab_b2'),
      patRequest({ schema: 'gitlab_x', groupId: 'no_such_group' }),
    ]);
    const backfill = await newBackfill(world);

    // when the schedule starts a run with time to spare
    const results = await backfill.runToEnd(schedule('teams.jsonl'), AMPLE_BUDGET_MS);

    // then every group was listed exactly once and nothing was created in Fivetran
    expect(results.map((result) => result.status)).toEqual(['completed']);
    expect(groupListings(world).sort()).toEqual(['no_such_group', 'team_a_group', 'team_b_group']);
    expect(world.sandbox.calls.filter((call) => call.method !== 'GET')).toEqual([]);
    expect(
      world.sandbox.calls.every((call) => call.headers.authorization === 'valid' && call.headers.accept === 'application/json;version=2'),
    ).toBe(true);

    // and only the two missing schemas are on the queue, with the request contract's version
    expect(backfill.queuedRequests().sort((a, b) => a.requestId.localeCompare(b.requestId))).toEqual([
      { requestId: 'req-gitlab_a2', schemaVersion: '1' },
      { requestId: 'req-gitlab_b1', schemaVersion: '1' },
    ]);

    // and one event accounts for every non-blank line
    const [event] = completedEvents(world);
    expect(completedEvents(world)).toHaveLength(1);
    expect(event).toMatchObject({
      backfill: 'nightly',
      status: 'completed',
      mode: 'missing',
      manifest: { bucket: MANIFEST_BUCKET, key: 'teams.jsonl', etag: expect.any(String) },
      counts: { lines: 9, invalid: 2, duplicate: 1, alreadyProvisioned: 2, enqueued: 2, failedToEnqueue: 2 },
      invocations: 1,
      invalidLinesOmitted: 0,
      failedLinesOmitted: 0,
    });
    expect(event!.error).toBeUndefined();
    expect(event!.invalidLines).toEqual([
      {
        line: 4,
        requestId: 'bad-1',
        issues: expect.arrayContaining([
          { path: 'connection.colour', reason: 'unknown field' },
          { path: 'connection.sync_frequency', reason: expect.stringContaining('must be one of') },
          { path: 'connection.config.schema', reason: expect.stringContaining('lowercase') },
        ]),
      },
      { line: 5, requestId: null, issues: [{ path: '', reason: 'the line is not JSON' }] },
    ]);
    expect(event!.failedLines).toEqual([
      { line: 7, requestId: 'wants-jira-schema', groupId: 'team_b_group', code: 'SCHEMA_TAKEN', reason: expect.stringContaining('jira') },
      {
        line: 10,
        requestId: 'req-gitlab_x',
        groupId: 'no_such_group',
        code: 'GROUP_NOT_FOUND',
        reason: 'Fivetran has no group no_such_group',
      },
    ]);
    expect(world.sandbox.contractViolations).toEqual([]);
    expect(world.logLines.join('')).not.toContain(SECRET_MARKER);
  });

  it('enqueues every valid line without asking Fivetran in mode "all"', async () => {
    // given a manifest whose first schema exists already
    world.sandbox.seedConnection({ groupId: 'team_a_group', schema: 'gitlab_a1' });
    await putManifest(world, 'all.jsonl', [teamA('gitlab_a1'), teamA('gitlab_a2'), '{"requestId":"broken"}']);
    const backfill = await newBackfill(world);

    // when the run is told to send everything
    await backfill.runToEnd(schedule('all.jsonl', 'all'), AMPLE_BUDGET_MS);

    // then both valid requests are queued, Fivetran and the API key were never touched, and the invalid line is reported
    expect(
      backfill
        .queuedRequests()
        .map((request) => request.requestId)
        .sort(),
    ).toEqual(['req-gitlab_a1', 'req-gitlab_a2']);
    expect(world.sandbox.calls).toEqual([]);
    expect(world.aws.secretReads).toEqual([]);
    expect(completedEvents(world)[0]).toMatchObject({ mode: 'all', counts: { lines: 3, invalid: 1, enqueued: 2, alreadyProvisioned: 0 } });
  });
});

describe('a run longer than one invocation', () => {
  it('hands its cursor to follow-up invocations and enqueues every missing request exactly once', async () => {
    // given eight requests in three chunks of three, two of them provisioned already
    world.sandbox.seedConnection({ groupId: 'team_a_group', schema: 'gitlab_2' });
    world.sandbox.seedConnection({ groupId: 'team_b_group', schema: 'gitlab_7' });
    const requests = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => (n % 2 === 0 ? teamA(`gitlab_${n}`) : teamB(`gitlab_${n}`)));
    await putManifest(world, 'long.jsonl', requests);
    const backfill = await newBackfill(world, { chunkLines: 3 });

    // when every invocation has less time left than the handover margin (so it does one chunk and hands over)
    const results = await backfill.runToEnd(schedule('long.jsonl'), TINY_BUDGET_MS);

    // then the run took three invocations, each follow-up an asynchronous invocation of the same function
    expect(results.map((result) => result.status)).toEqual(['handed_off', 'handed_off', 'completed']);
    expect(results.slice(0, 2).map((result) => (result.status === 'handed_off' ? result.nextLine : 0))).toEqual([4, 7]);
    expect(world.lambda.invocations.map((invocation) => [invocation.functionName, invocation.invocationType])).toEqual([
      [BACKFILL_FUNCTION_ARN, 'Event'],
      [BACKFILL_FUNCTION_ARN, 'Event'],
    ]);

    // and the queue holds each of the six missing requests once
    const queued = backfill
      .queuedRequests()
      .map((request) => request.requestId)
      .sort();
    expect(queued).toEqual(['req-gitlab_1', 'req-gitlab_3', 'req-gitlab_4', 'req-gitlab_5', 'req-gitlab_6', 'req-gitlab_8']);

    // and a single event reports the whole run
    expect(completedEvents(world)).toEqual([
      expect.objectContaining({
        status: 'completed',
        invocations: 3,
        counts: expect.objectContaining({ lines: 8, enqueued: 6, alreadyProvisioned: 2 }),
      }),
    ]);
  });

  it('stops a follow-up whose manifest was replaced, enqueueing nothing more and saying where it stopped', async () => {
    // given a run that handed over after its first chunk
    await putManifest(world, 'changing.jsonl', [teamA('gitlab_c1'), teamA('gitlab_c2'), teamA('gitlab_c3'), teamA('gitlab_c4')]);
    const backfill = await newBackfill(world, { chunkLines: 2 });
    expect(await backfill.invoke(schedule('changing.jsonl'), TINY_BUDGET_MS)).toMatchObject({ status: 'handed_off', nextLine: 3 });

    // when the manifest is overwritten before the follow-up runs
    await putManifest(world, 'changing.jsonl', [teamA('gitlab_other')]);
    const followUp = world.lambda.pending.shift()!;
    const result = await backfill.invoke(followUp.payload, TINY_BUDGET_MS);

    // then the follow-up aborts: only the first chunk is queued, and the event names the cause and the line
    expect(result).toMatchObject({ status: 'aborted', code: 'MANIFEST_CHANGED' });
    expect(
      backfill
        .queuedRequests()
        .map((request) => request.requestId)
        .sort(),
    ).toEqual(['req-gitlab_c1', 'req-gitlab_c2']);
    expect(completedEvents(world)).toEqual([
      expect.objectContaining({
        status: 'aborted',
        error: { code: 'MANIFEST_CHANGED', message: expect.stringContaining('s3://manifests/changing.jsonl') },
        stoppedAtLine: 3,
        counts: expect.objectContaining({ lines: 2, enqueued: 2 }),
      }),
    ]);
  });

  it('reports where it stopped when the follow-up cannot be started, having sent each earlier line once', async () => {
    // given Lambda refusing the follow-up invocation
    await putManifest(world, 'refused.jsonl', [teamB('gitlab_r1'), teamB('gitlab_r2'), teamB('gitlab_r3')]);
    const backfill = await newBackfill(world, { chunkLines: 2 });
    world.lambda.failNext('AccessDeniedException', 403);

    // when the first invocation runs out of time
    const result = await backfill.invoke(schedule('refused.jsonl'), TINY_BUDGET_MS);

    // then the run ends as aborted at line 3, with lines 1 and 2 queued once
    expect(result).toMatchObject({ status: 'aborted', code: 'HANDOFF_FAILED' });
    expect(world.lambda.pending).toEqual([]);
    expect(
      backfill
        .queuedRequests()
        .map((request) => request.requestId)
        .sort(),
    ).toEqual(['req-gitlab_r1', 'req-gitlab_r2']);
    expect(completedEvents(world)).toEqual([
      expect.objectContaining({ status: 'aborted', stoppedAtLine: 3, counts: expect.objectContaining({ enqueued: 2 }) }),
    ]);
  });
});

describe('runs that cannot start', () => {
  it('publishes an aborted event when the manifest does not exist', async () => {
    // given no object under the key
    const backfill = await newBackfill(world);

    // when the schedule fires
    const result = await backfill.invoke(schedule('missing.jsonl'), AMPLE_BUDGET_MS);

    // then nothing is queued and the event says the manifest could not be read
    expect(result).toMatchObject({ status: 'aborted', code: 'MANIFEST_UNREADABLE' });
    expect(backfill.queuedRequests()).toEqual([]);
    expect(completedEvents(world)).toEqual([
      expect.objectContaining({
        status: 'aborted',
        error: expect.objectContaining({ code: 'MANIFEST_UNREADABLE' }),
        counts: expect.objectContaining({ lines: 0 }),
      }),
    ]);
  });

  it('publishes an aborted event, without listing any group, when the API key secret holds no key', async () => {
    // given an API key secret with the wrong shape
    await putManifest(world, 'no-key.jsonl', [teamA('gitlab_k1')]);
    world.aws.setSecret(API_KEY_SECRET_ID, '{"key":"fake-M4RK3R-wrong-shape"}');
    const backfill = await newBackfill(world);

    try {
      // when the schedule fires
      const result = await backfill.invoke(schedule('no-key.jsonl'), AMPLE_BUDGET_MS);

      // then the run stops before Fivetran and the queue, and the event carries no secret
      expect(result).toMatchObject({ status: 'aborted', code: 'API_KEY_UNAVAILABLE' });
      expect(world.sandbox.calls).toEqual([]);
      expect(backfill.queuedRequests()).toEqual([]);
      expect(JSON.stringify(completedEvents(world))).not.toContain(SECRET_MARKER);
    } finally {
      world.aws.setSecret(API_KEY_SECRET_ID, JSON.stringify({ apiKey: 'fake-api-key-id', apiSecret: 'fake-api-secret-M4RK3R-apikey' }));
    }
  });

  it('refuses an event that is neither a schedule input nor a continuation', async () => {
    const backfill = await newBackfill(world);
    await expect(backfill.invoke({ backfill: 'nightly' }, AMPLE_BUDGET_MS)).rejects.toThrow(/manifest/);
    expect(completedEvents(world)).toEqual([]);
  });
});
