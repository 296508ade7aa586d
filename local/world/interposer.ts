import { createServer, request as httpRequest, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '../aws/loopback';

/**
 * A loopback HTTP server in front of a real one (fauxqs, the Fivetran
 * sandbox): it forwards every request unless the test's rule says to hang
 * it, or to answer in its place: redirect, echo what it was sent, lie, or
 * stream an answer that never ends. The real server stays the reference for
 * everything the rule lets through.
 */

export interface InterposedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The AWS JSON protocol's operation (`X-Amz-Target`), e.g. `AmazonSQS.ChangeMessageVisibility`. */
  target: string | undefined;
}

export type Interposition =
  | 'forward'
  /** No answer: the request is held open until the interposer closes. */
  | 'hang'
  | { status: number; headers?: Record<string, string>; body?: string }
  /** Writes the answer itself (slowly, endlessly, or not at all). */
  | { respond(response: ServerResponse): void };

export interface Interposer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Every request received, forwarded or not. */
  readonly requests: InterposedRequest[];
  /** Requests held without an answer. */
  readonly hung: number;
  /** Sets the rule for the requests that follow; the default forwards everything. */
  use(rule: (request: InterposedRequest) => Interposition): void;
  close(): Promise<void>;
}

export async function startInterposer(targetUrl: string): Promise<Interposer> {
  const target = new URL(targetUrl);
  const requests: InterposedRequest[] = [];
  let hung = 0;
  let rule: (request: InterposedRequest) => Interposition = () => 'forward';

  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const amzTarget = incoming.headers['x-amz-target'];
      const seen: InterposedRequest = {
        method: incoming.method ?? 'GET',
        url: incoming.url ?? '/',
        headers: incoming.headers,
        body: body.toString('utf8'),
        target: typeof amzTarget === 'string' ? amzTarget : undefined,
      };
      requests.push(seen);
      const decision = rule(seen);
      if (decision === 'hang') {
        hung += 1;
        return;
      }
      if (decision === 'forward') {
        const outgoing = httpRequest(
          {
            host: target.hostname,
            port: target.port,
            method: seen.method,
            path: seen.url,
            headers: { ...incoming.headers, host: target.host },
          },
          (answer) => {
            response.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(response);
          },
        );
        outgoing.on('error', () => response.destroy());
        outgoing.end(body);
        return;
      }
      if ('respond' in decision) {
        decision.respond(response);
        return;
      }
      response.writeHead(decision.status, { 'content-type': 'application/json', ...decision.headers });
      response.end(decision.body ?? '');
    });
  });
  const url = await listenOnLoopback(server);

  return {
    url,
    requests,
    get hung() {
      return hung;
    },
    use(next) {
      rule = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
