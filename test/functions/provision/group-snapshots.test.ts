import { describe, expect, it } from 'vitest';
import { createGroupSnapshots, groupIdsOf } from '../../../functions/provision/group-snapshots';
import { patRequest } from '../../../local/world/fixtures';
import { parseProvisioningRequest } from '../../../shared/contracts/request-parser';
import type { FivetranConnection } from '../../../shared/fivetran/schemas';

const connection = (group_id: string, schema: string, service = 'gitlab'): FivetranConnection => ({
  id: `${group_id}-${schema}`,
  group_id,
  schema,
  service,
});

describe('group snapshots', () => {
  it('covers only groups that several records of the batch name', () => {
    const snapshots = createGroupSnapshots(['a', 'b', 'a']);
    expect(snapshots.covers('a')).toBe(true);
    expect(snapshots.covers('b')).toBe(false);
  });

  it('lists a group once for all its records, and finds what later records created', async () => {
    const snapshots = createGroupSnapshots(['a', 'a', 'a']);
    let listings = 0;
    const list = async () => {
      listings += 1;
      return [connection('a', 'one'), connection('a', 'other', 'github')];
    };
    const [one, two] = await Promise.all([snapshots.find('a', 'one', list), snapshots.find('a', 'two', list)]);
    expect(one.map((c) => c.id)).toEqual(['a-one']);
    expect(two).toEqual([]);
    snapshots.remember(connection('a', 'two'));
    expect((await snapshots.find('a', 'two', list)).map((c) => c.id)).toEqual(['a-two']);
    expect(listings).toBe(1);
  });

  it('lists again after a failed listing', async () => {
    const snapshots = createGroupSnapshots(['a', 'a']);
    let calls = 0;
    const list = async () => {
      calls += 1;
      if (calls === 1) throw new Error('503');
      return [connection('a', 'one')];
    };
    await expect(snapshots.find('a', 'one', list)).rejects.toThrow('503');
    await expect(snapshots.find('a', 'one', list)).resolves.toHaveLength(1);
  });

  it('takes the group ids of the valid requests only: an invalid one reaches no group', () => {
    // given a batch read once: one valid request, a body that is not JSON, and one whose group_id is not a string
    const bodies = [JSON.stringify(patRequest({ groupId: 'a' })), 'not json', '{"connection":{"group_id":7}}'];
    // when the group ids are taken from the parse results
    const groupIds = groupIdsOf(bodies.map((body) => parseProvisioningRequest(body)));
    // then only the valid request names a group
    expect(groupIds).toEqual(['a']);
  });
});
