import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeSha256, publicEndpoint, signedBatchGet } from '../../../functions/backfill/ledger-batch-get';

/**
 * The backfill's BatchGetItem goes without the SDK's DynamoDB client (its
 * bundle budget): what arrives on the wire must be what that client sends,
 * signed so that DynamoDB would accept it. A loopback server records both and
 * checks each signature against the request as it arrived.
 */
interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}
const CREDENTIALS = { accessKeyId: 'AKIDFAKEFORTESTS', secretAccessKey: 'fake-secret-for-tests-only' };
const REGION = 'eu-west-1';
let server: Server;
let endpoint: string;
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      received.push({ method: request.method!, path: request.url!, headers: request.headers, body });
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{"Responses":{"ledger":[]}}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** The Authorization a correct signer computes for the request as it arrived (headers it signed, body, date). */
async function expectedAuthorization(request: Received): Promise<string> {
  const authorization = String(request.headers.authorization);
  const signedNames = /SignedHeaders=([^,]+)/.exec(authorization)![1]!.split(';');
  const headers = Object.fromEntries(signedNames.map((name) => [name, String(request.headers[name])]));
  const amzDate = headers['x-amz-date']!;
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`,
  );
  // The hash the backfill uses: it also verifies the SDK's own request below, so a wrong hash cannot pass.
  const signer = new SignatureV4({ service: 'dynamodb', region: REGION, credentials: CREDENTIALS, sha256: NodeSha256 });
  const [host, port] = headers.host!.split(':');
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: host!,
      port: Number(port),
      path: request.path,
      query: {},
      headers,
      body: request.body,
    },
    { signingDate },
  );
  return String(signed.headers.authorization);
}

describe("the backfill's BatchGetItem", () => {
  it("sends what the SDK's DynamoDB client sends, signed for dynamodb in the region, and the signature holds as it arrives", async () => {
    // given the same read, once through the SDK's client and once through the backfill's call
    const request = {
      RequestItems: {
        ledger: {
          Keys: [{ pk: { S: 'request#req-1' } }, { pk: { S: 'request#req-ü' } }],
          ConsistentRead: true,
          ProjectionExpression: '#pk, #status, #notBefore',
          ExpressionAttributeNames: { '#pk': 'pk', '#status': 'status', '#notBefore': 'notBefore' },
        },
      },
    };
    const client = new DynamoDBClient({ endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
    received.length = 0;

    // when both are sent
    await client.send(new BatchGetItemCommand(request));
    const answer = await signedBatchGet({ region: async () => REGION, credentials: async () => CREDENTIALS, endpoint })(request);
    client.destroy();

    // then the two requests agree on everything DynamoDB reads, and both signatures verify
    const [sdk, ours] = received;
    const shape = (r: Received) => ({
      method: r.method,
      path: r.path,
      contentType: r.headers['content-type'],
      target: r.headers['x-amz-target'],
      body: JSON.parse(r.body) as unknown,
      scope: /Credential=[^/]+\/\d{8}\/([^,]+)/.exec(String(r.headers.authorization))?.[1],
    });
    expect(shape(ours!)).toEqual(shape(sdk!));
    expect(shape(ours!).scope).toBe(`${REGION}/dynamodb/aws4_request`);
    expect(String(sdk!.headers.authorization)).toBe(await expectedAuthorization(sdk!));
    expect(String(ours!.headers.authorization)).toBe(await expectedAuthorization(ours!));
    expect(answer).toEqual({ Responses: { ledger: [] } });
  });

  it('goes to the public endpoint of the region, in the China partition too', () => {
    expect(publicEndpoint('eu-west-1')).toBe('https://dynamodb.eu-west-1.amazonaws.com');
    expect(publicEndpoint('cn-north-1')).toBe('https://dynamodb.cn-north-1.amazonaws.com.cn');
  });
});
