import { FivetranFault } from './fault';

/**
 * Reading an HTTP answer from Fivetran, whatever it is: a body read only up
 * to a cap, JSON that may not be JSON, and a failed connection in words an
 * operator acts on.
 */

/** No answer of Fivetran's is near this; a larger one is a fault, not read further. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * The answer's body, read up to MAX_ANSWER_BYTES. A larger one is cancelled
 * and becomes a fault: the body is not trusted, and a few such answers would
 * exhaust the function's memory.
 */
export async function readCapped(response: Response, call: string): Promise<string> {
  const tooLarge = () =>
    new FivetranFault(
      'FIVETRAN_BAD_ANSWER',
      `${call}: Fivetran answered ${response.status} with a body over ${MAX_ANSWER_BYTES} bytes; not read`,
      {
        status: response.status,
      },
    );
  const declared = Number(response.headers.get('content-length'));
  if (declared > MAX_ANSWER_BYTES) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > MAX_ANSWER_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function pathWithoutQuery(path: string): string {
  return path.split('?')[0]!;
}

/** What a person reads for the usual network codes; an operator acts differently on a refusal than on a reset. */
const NETWORK_FAULTS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  UND_ERR_SOCKET: 'connection closed by the server',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

export function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
  if (cause?.code) return `${NETWORK_FAULTS[cause.code] ?? 'connection failed'} (${cause.code})`;
  return 'connection failed';
}
