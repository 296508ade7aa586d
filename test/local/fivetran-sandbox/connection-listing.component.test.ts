import { describe, expect, it } from 'vitest';
import { validateGroupListResponse, validateListResponse } from '../../../local/fivetran-sandbox/contract';
import type { FivetranSandbox } from '../../../local/fivetran-sandbox/server';
import { createConnection, expectError, gitlabCreateBody, OTHER_GROUP, request, SANDBOX_GROUP, useSandbox } from './support/sandbox-http';

let sandbox: FivetranSandbox;
useSandbox((started) => (sandbox = started));

describe('listing connections', () => {
  async function createMany(schemas: readonly string[], groupId = SANDBOX_GROUP): Promise<string[]> {
    const ids: string[] = [];
    for (const schema of schemas) ids.push((await createConnection(sandbox, gitlabCreateBody(schema, { group_id: groupId }))).body.data.id);
    return ids;
  }

  async function collectPages(path: string, validate: (body: unknown) => unknown): Promise<{ ids: string[]; pageSizes: number[] }> {
    const ids: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | undefined;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const page = await request(sandbox, 'GET', `${path}${separator}limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      expect(validate(page.body)).toEqual({ valid: true });
      pageSizes.push(page.body.data.items.length);
      ids.push(...page.body.data.items.map((item: { id: string }) => item.id));
      cursor = page.body.data.next_cursor;
    } while (cursor !== undefined);
    return { ids, pageSizes };
  }

  it('pages through GET /v1/connections?group_id= with limit=2, next_cursor only while more remain', async () => {
    const ids = await createMany(['gl_a', 'gl_b', 'gl_c', 'gl_d', 'gl_e']);
    await createMany(['gl_other'], OTHER_GROUP);

    const result = await collectPages(`/v1/connections?group_id=${SANDBOX_GROUP}`, validateListResponse);

    expect(result.pageSizes).toEqual([2, 2, 1]);
    expect(result.ids).toEqual(ids);
  });

  it('pages through GET /v1/groups/{groupId}/connections the same way', async () => {
    const ids = await createMany(['gl_a', 'gl_b', 'gl_c', 'gl_d']);

    const result = await collectPages(`/v1/groups/${SANDBOX_GROUP}/connections`, validateGroupListResponse);

    expect(result.pageSizes).toEqual([2, 2]);
    expect(result.ids).toEqual(ids);
  });

  it('filters on the exact schema name on both list routes', async () => {
    const [, wanted] = await createMany(['gitlab_team', 'gitlab_team_b', 'gitlab_tea']);

    const account = await request(sandbox, 'GET', `/v1/connections?group_id=${SANDBOX_GROUP}&schema=gitlab_team_b`);
    const group = await request(sandbox, 'GET', `/v1/groups/${SANDBOX_GROUP}/connections?schema=gitlab_team_b`);
    const none = await request(sandbox, 'GET', `/v1/groups/${SANDBOX_GROUP}/connections?schema=gitlab`);

    expect(account.body.data.items.map((item: { id: string }) => item.id)).toEqual([wanted]);
    expect(group.body.data.items.map((item: { id: string }) => item.id)).toEqual([wanted]);
    expect(none.body.data).toEqual({ items: [] });
  });

  it('answers 404 NotFound_Group for the connections of an unknown group', async () => {
    expectError(await request(sandbox, 'GET', '/v1/groups/no_such_group/connections'), 404, 'NotFound_Group');
  });

  it.each(['0', '1001', 'ten', '2.5'])('answers 400 InvalidInput for limit=%s', async (limit) => {
    expectError(await request(sandbox, 'GET', `/v1/connections?limit=${limit}`), 400, 'InvalidInput');
  });

  it('answers 400 InvalidInput for a cursor it did not issue', async () => {
    expectError(await request(sandbox, 'GET', '/v1/connections?cursor=not-a-cursor'), 400, 'InvalidInput');
  });
});

describe('seedConnection', () => {
  it('stores a connection of another service that the list routes report and that occupies its schema', async () => {
    // Given a GitHub connection that already uses the schema
    const seeded = sandbox.seedConnection({ groupId: SANDBOX_GROUP, schema: 'gitlab_team_a', service: 'github' });

    // When the client looks it up and then tries to create a GitLab connection with that schema
    const lookup = await request(sandbox, 'GET', `/v1/groups/${SANDBOX_GROUP}/connections?schema=gitlab_team_a`);
    const create = await createConnection(sandbox, gitlabCreateBody('gitlab_team_a'));

    // Then the lookup shows the other service and the create meets 409
    expect(validateGroupListResponse(lookup.body)).toEqual({ valid: true });
    expect(lookup.body.data.items).toEqual([expect.objectContaining({ id: seeded.id, service: 'github' })]);
    expectError(create, 409, 'Conflict');
  });

  it('refuses a seed in an unknown group or on a taken schema', () => {
    sandbox.seedConnection({ groupId: SANDBOX_GROUP, schema: 'gitlab_taken' });

    expect(() => sandbox.seedConnection({ groupId: 'no_such_group', schema: 'x' })).toThrow(/unknown group/);
    expect(() => sandbox.seedConnection({ groupId: SANDBOX_GROUP, schema: 'gitlab_taken' })).toThrow(/already taken/);
  });
});
