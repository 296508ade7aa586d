/**
 * The Fivetran client against answers the sandbox does not give (its answers are held to the
 * OpenAPI definition, which does not allow them): a loopback server answering as Fivetran has.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { provisionedEvent } from '../../../functions/provision/events';
import { FAKE_API_KEY, patRequest } from '../../../local/world/fixtures';
import type { CreateConnectionBody } from '../../../shared/contracts/credentials-secret';
import { createFivetranClient } from '../../../shared/fivetran/client';
import { createRedactor } from '../../../shared/runtime/redact';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Answers every request with this status and JSON body, and remembers the requests' headers. */
async function answering(status: number, body: unknown): Promise<{ url: string; headers: Array<Record<string, unknown>> }> {
  const headers: Array<Record<string, unknown>> = [];
  server = createServer((request, response) => {
    headers.push(request.headers);
    request.resume();
    request.on('end', () => {
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, headers };
}

describe('Fivetran client', () => {
  it('accepts a setup test whose message is null, and the event leaves the message out', async () => {
    // Given a create answer whose passed tests say nothing (message: null)
    const created = {
      id: 'placid_anchor',
      group_id: 'sandbox_group',
      service: 'gitlab',
      schema: 'gitlab_team_a',
      status: { setup_state: 'connected' },
      setup_tests: [
        { title: 'Connecting to GitLab', status: 'PASSED', message: null },
        { title: 'Validating API access', status: 'WARNING', message: 'Some projects are not readable' },
      ],
    };
    const fivetran = await answering(201, { code: 'Success', message: 'Connection has been created', data: created });
    const client = createFivetranClient({ baseUrl: fivetran.url, apiKey: FAKE_API_KEY });

    // When the client creates and the event is built
    const connection = await client.createConnection(patRequest().connection as unknown as CreateConnectionBody, { timeoutMs: 2_000 });
    const event = provisionedEvent(
      { request: patRequest(), outcome: 'created', connection, attempts: 1, sqsMessageId: 'message-1' },
      createRedactor(),
    );

    // Then the answer is taken and the null becomes no message at all
    expect(event.detail).toMatchObject({
      setupTests: [
        { title: 'Connecting to GitLab', status: 'PASSED' },
        { title: 'Validating API access', status: 'WARNING', message: 'Some projects are not readable' },
      ],
    });
    expect((event.detail as { setupTests: object[] }).setupTests[0]).not.toHaveProperty('message');
    expect(fivetran.headers[0]?.['user-agent']).toMatch(/^fivetran-provisioner\/\d+\.\d+\.\d+$/);
  });

  it('refuses a Connect Card Fivetran says it issued for another connection', async () => {
    const fivetran = await answering(200, {
      code: 'Success',
      data: { connector_id: 'someone_else', connect_card: { token: 't', uri: 'https://fivetran.com/connect-card/setup?auth=t' } },
    });
    const client = createFivetranClient({ baseUrl: fivetran.url, apiKey: FAKE_API_KEY });

    await expect(
      client.createConnectCard('placid_anchor', { redirect_uri: 'https://portal.example.com/done' }, { timeoutMs: 2_000 }),
    ).rejects.toMatchObject({ name: 'FivetranFault', code: 'FIVETRAN_BAD_ANSWER' });
  });
});
