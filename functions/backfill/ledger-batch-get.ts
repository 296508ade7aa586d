import { createHash, createHmac } from 'node:crypto';
import type { AttributeValue, KeysAndAttributes } from '@aws-sdk/client-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';

/** What BatchGetItem answers, as far as the backfill reads it. */
export interface BatchGetAnswer {
  Responses?: Record<string, Array<Record<string, AttributeValue>>>;
  UnprocessedKeys?: Record<string, KeysAndAttributes>;
}

/** One BatchGetItem call; rejects when DynamoDB refused it, or the signal aborted it. */
export type BatchGet = (request: { RequestItems: Record<string, KeysAndAttributes> }, signal?: AbortSignal) => Promise<BatchGetAnswer>;

type Signing = ConstructorParameters<typeof SignatureV4>[0];

export interface SignedBatchGetOptions {
  /** The region's provider, as an SDK client resolved it (the SQS client's). */
  region: Signing['region'];
  /** The credentials' provider, as an SDK client resolved it: the default chain, shared rather than bundled twice. */
  credentials: Signing['credentials'];
  /** AWS_ENDPOINT_URL_DYNAMODB or AWS_ENDPOINT_URL (local servers); else the region's public endpoint. */
  endpoint?: string | undefined;
  /** Each try; the caller's signal bounds them all. */
  tryTimeoutMs?: number;
  fetch?: typeof fetch;
}

/** DynamoDB's JSON protocol (awsJson1_0): what the SDK's DynamoDB client sends for BatchGetItem. */
const TARGET = 'DynamoDB_20120810.BatchGetItem';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

/**
 * BatchGetItem without the SDK's DynamoDB client: the backfill makes this one
 * read-only call, and the client would add about 40 KB to a bundle whose
 * budget is 700 KB. The request is the client's (same target, content type
 * and JSON body), signed with the SDK's own SigV4 signer for service
 * `dynamodb`, with the credentials and region another SDK client of the
 * function resolved. A failed call rejects; the caller decides what that
 * means (functions/backfill/deferred-requests.ts: the lines are enqueued).
 *
 * @example const batchGet = signedBatchGet({ region: sqs.config.region, credentials: sqs.config.credentials });
 */
export function signedBatchGet(options: SignedBatchGetOptions): BatchGet {
  const signer = new SignatureV4({ service: 'dynamodb', region: options.region, credentials: options.credentials, sha256: NodeSha256 });
  const send = options.fetch ?? fetch;
  const tryTimeoutMs = options.tryTimeoutMs ?? 5_000;

  return async (request, signal) => {
    const region = typeof options.region === 'function' ? await options.region() : options.region;
    const url = new URL(options.endpoint ?? publicEndpoint(region));
    const body = JSON.stringify(request);
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query: {},
      headers: { host: url.host, 'content-type': CONTENT_TYPE, 'x-amz-target': TARGET },
      body,
    });
    // fetch sets Host from the URL, the same value as the one signed.
    const { host: _host, ...headers } = signed.headers;
    const timeout = AbortSignal.timeout(tryTimeoutMs);
    const response = await send(url, {
      method: 'POST',
      headers,
      body,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const text = await response.text();
    if (!response.ok) throw new DynamoDbRefused(response.status, text);
    return JSON.parse(text) as BatchGetAnswer;
  };
}

/** DynamoDB answered other than 200; its `__type` (ResourceNotFoundException, …) names the error. */
export class DynamoDbRefused extends Error {
  constructor(status: number, body: string) {
    const type = /"__type"\s*:\s*"(?:[^"#]*#)?([A-Za-z]+)"/.exec(body)?.[1] ?? `HTTP${status}`;
    super(`DynamoDB answered ${status} (${type})`);
    this.name = type;
  }
}

/** The region's DynamoDB endpoint in the aws and aws-cn partitions (the backfill runs in no other). */
export function publicEndpoint(region: string): string {
  return `https://dynamodb.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
}

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape the signer takes. */
export class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
