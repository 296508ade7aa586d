import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../../functions/backfill/manifest-lines';
import {
  findDuplicates,
  type GroupListing,
  groupsToList,
  holdWaiting,
  planLines,
  STALE_DEFERRAL_MS,
} from '../../../functions/backfill/reconcile-plan';
import { patRequest } from '../../../local/world/fixtures';

const manifest = (...requests: unknown[]) => parseManifest(requests.map((request) => JSON.stringify(request)).join('\n'));
const listed = (schemas: Record<string, string>): GroupListing => ({ ok: true, schemas: new Map(Object.entries(schemas)) });

describe('planning a backfill', () => {
  it('lists each group of the valid lines once, in order of appearance, and none in mode "all"', () => {
    const lines = manifest(
      patRequest({ schema: 'gitlab_1', groupId: 'group_b' }),
      patRequest({ schema: 'gitlab_2', groupId: 'group_a' }),
      patRequest({ schema: 'gitlab_3', groupId: 'group_b' }),
      { requestId: 'invalid', connection: { group_id: 'group_c' } },
    );
    expect(groupsToList(lines, 'missing')).toEqual(['group_b', 'group_a']);
    expect(groupsToList(lines, 'all')).toEqual([]);
  });

  it('enqueues a schema with no connection, skips a GitLab one, and reports one held by another service', () => {
    // given a group where one schema is GitLab's and one Jira's
    const lines = manifest(
      patRequest({ schema: 'gitlab_new', groupId: 'g' }),
      patRequest({ schema: 'gitlab_old', groupId: 'g' }),
      patRequest({ schema: 'shared_name', groupId: 'g' }),
    );

    // when the lines are planned against the listing
    const plan = planLines(lines, {
      mode: 'missing',
      listings: new Map([['g', listed({ gitlab_old: 'gitlab', shared_name: 'jira' })]]),
      duplicates: new Map(),
    });

    // then only the new schema is enqueued
    expect(plan.map((decision) => [decision.line, decision.kind])).toEqual([
      [1, 'enqueue'],
      [2, 'already_provisioned'],
      [3, 'not_enqueued'],
    ]);
    expect(plan[2]).toMatchObject({ code: 'SCHEMA_TAKEN', groupId: 'g', reason: expect.stringContaining('jira') });
  });

  it("reports the lines of a group that could not be listed with the listing's code", () => {
    const lines = manifest(patRequest({ schema: 'gitlab_1', groupId: 'ghost' }));
    const plan = planLines(lines, {
      mode: 'missing',
      listings: new Map([['ghost', { ok: false, code: 'GROUP_NOT_FOUND', reason: 'Fivetran has no group ghost' } as const]]),
      duplicates: new Map(),
    });
    expect(plan).toEqual([
      {
        line: 1,
        kind: 'not_enqueued',
        requestId: 'req-gitlab_1',
        groupId: 'ghost',
        code: 'GROUP_NOT_FOUND',
        reason: 'Fivetran has no group ghost',
      },
    ]);
  });

  it('treats a repeat of an earlier group and schema as a duplicate of that line, across the whole manifest', () => {
    // given the same schema on lines 1 and 3
    const lines = manifest(patRequest({ schema: 'gitlab_1', groupId: 'g' }), patRequest({ schema: 'gitlab_1', groupId: 'other' }), {
      ...patRequest({ schema: 'gitlab_1', groupId: 'g' }),
      requestId: 'again',
    });
    const duplicates = findDuplicates(lines);
    expect(duplicates).toEqual(new Map([[3, 1]]));

    // when only the last line is planned (a follow-up starting at line 3)
    const plan = planLines(lines.slice(2), { mode: 'missing', listings: new Map([['g', listed({})]]), duplicates });

    // then it is still known as the duplicate of line 1
    expect(plan).toEqual([{ line: 3, kind: 'duplicate', requestId: 'again', firstLine: 1 }]);
  });

  it('enqueues every valid line, duplicates included, in mode "all"', () => {
    const lines = manifest(patRequest({ schema: 'gitlab_1' }), patRequest({ schema: 'gitlab_1' }));
    const plan = planLines(lines, { mode: 'all', listings: new Map(), duplicates: findDuplicates(lines) });
    expect(plan.map((decision) => decision.kind)).toEqual(['enqueue', 'enqueue']);
  });

  it('holds as waiting a request the worker deferred, and enqueues one with an outcome, an unreadable time or a long-lost deferral', () => {
    // given four missing schemas, three of whose requests the ledger has as deferred
    const now = Date.parse('2026-11-30T12:00:00.000Z');
    const lines = manifest(...['waits', 'fresh', 'garbled', 'lost'].map((schema) => patRequest({ schema, groupId: 'g' })));
    const decisions = planLines(lines, { mode: 'missing', listings: new Map([['g', listed({})]]), duplicates: new Map() });
    const deferred = new Map([
      ['req-waits', { notBefore: '2026-11-30T11:30:00.000Z' }],
      ['req-garbled', { notBefore: 'soon' }],
      ['req-lost', { notBefore: new Date(now - STALE_DEFERRAL_MS - 1).toISOString() }],
    ]);

    // when the deferrals are applied
    const held = holdWaiting(decisions, deferred, now);

    // then only the one deferred within the hour waits, with its next try
    expect(held.map((decision) => decision.kind)).toEqual(['waiting', 'enqueue', 'enqueue', 'enqueue']);
    expect(held[0]).toEqual({ line: 1, kind: 'waiting', requestId: 'req-waits', notBefore: '2026-11-30T11:30:00.000Z' });
  });

  it('leaves every decision but an enqueue as it is', () => {
    const lines = manifest(patRequest({ schema: 'old', groupId: 'g' }), { requestId: 'broken' });
    const decisions = planLines(lines, { mode: 'missing', listings: new Map([['g', listed({ old: 'gitlab' })]]), duplicates: new Map() });
    const deferred = new Map([
      ['req-old', { notBefore: '2026-11-30T12:00:00.000Z' }],
      ['broken', { notBefore: '2026-11-30T12:00:00.000Z' }],
    ]);
    expect(holdWaiting(decisions, deferred, Date.parse('2026-11-30T12:00:00.000Z'))).toEqual(decisions);
  });
});
