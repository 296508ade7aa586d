import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback';

/** One asynchronous Invoke the stand-in accepted. */
export interface CapturedInvocation {
  functionName: string;
  invocationType: string;
  payload: unknown;
}

export interface LambdaStandIn {
  /** http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_LAMBDA. */
  url: string;
  /** Accepted invocations not yet taken, oldest first. */
  readonly pending: CapturedInvocation[];
  /** Every invocation accepted, in order. */
  readonly invocations: CapturedInvocation[];
  /** Makes the next Invoke fail with this AWS error type and HTTP status (4xx: the SDK does not retry it). */
  failNext(errorType: string, status?: number): void;
  close(): Promise<void>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/**
 * A loopback stand-in for Lambda's Invoke API (REST-JSON, as the SDK sends
 * it). It accepts asynchronous invocations (`InvocationType: Event`) and
 * keeps them for the test to run, the way Lambda would queue them.
 */
export async function startLambdaStandIn(): Promise<LambdaStandIn> {
  const pending: CapturedInvocation[] = [];
  const invocations: CapturedInvocation[] = [];
  let failure: { errorType: string; status: number } | undefined;

  const answer = (response: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': `req-${invocations.length}`, ...headers });
    response.end(body === undefined ? '' : JSON.stringify(body));
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const match = INVOKE_PATH.exec(new URL(request.url ?? '/', 'http://stand-in').pathname);
      if (request.method !== 'POST' || match === null)
        return answer(response, 404, { Type: 'User', message: 'Unknown route' }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
      if (failure !== undefined) {
        const { errorType, status } = failure;
        failure = undefined;
        return answer(response, status, { Type: 'User', message: `${errorType} (injected)` }, { 'x-amzn-errortype': errorType });
      }
      const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
      if (invocationType !== 'Event')
        return answer(
          response,
          400,
          { message: 'The stand-in accepts asynchronous invocations only' },
          { 'x-amzn-errortype': 'InvalidRequestContentException' },
        );
      const captured = {
        functionName: decodeURIComponent(match[1]!),
        invocationType,
        payload: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
      };
      pending.push(captured);
      invocations.push(captured);
      answer(response, 202);
    });
  });
  const url = await listenOnLoopback(server);
  return {
    url,
    pending,
    invocations,
    failNext(errorType, status = 403) {
      failure = { errorType, status };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
