/**
 * A local Fivetran REST API sandbox for the GitLab connection routes, held to Fivetran's
 * OpenAPI definition (contract.ts) and able to misbehave on demand (faults.ts).
 *
 * Built on node:http only. Every body it sends is checked against the contract first
 * (unless `validateResponses: false`); a violation is answered as a 500 and recorded in
 * `contractViolations`, so a test that looks at it fails.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '../aws/loopback';
import { FivetranApi } from './api';
import { type ApiResponse, errorResponse } from './api-request';
import { secretValuesOf } from './connection-data';
import { defaultErrorCode, FIVETRAN_ERROR_CODES, FIVETRAN_ERROR_MESSAGES, FivetranApiError, SandboxConfigError } from './errors';
import { FaultInjector, type FaultOutcome } from './faults';
import { AccountRateLimits, RollingWindowLimiter } from './rate-limit';
import { contractProblems, isCheckedSecret } from './response-checks';
import type { ContractViolation, DuplicateSchemaStatus, FivetranSandbox, FivetranSandboxOptions, RecordedCall } from './types';

export type * from './types';

const MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_SEED = 1;
/** Fivetran answers 500 when a request runs longer than this, whether or not it was applied (errors.ts [timeout]). */
const FIVETRAN_REQUEST_LIMIT_MS = 60_000;

/** The request body exceeded MAX_BODY_BYTES. */
class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

/**
 * Starts a sandbox listening on `host:port` (default 127.0.0.1, ephemeral port) and resolves
 * once it accepts connections. Always `close()` it: that also ends kept-alive sockets.
 */
export async function startFivetranSandbox(options: FivetranSandboxOptions = {}): Promise<FivetranSandbox> {
  const seed = options.seed ?? DEFAULT_SEED;
  const validateResponses = options.validateResponses ?? true;
  const log = options.log ?? (() => {});
  const expectedAuthorization = `Basic ${Buffer.from(`${options.apiKey ?? 'sandbox-key'}:${options.apiSecret ?? 'sandbox-secret'}`).toString('base64')}`;
  const groups = options.groups ?? ['sandbox_group'];
  if (groups.length === 0) throw new SandboxConfigError('at least one group is needed');
  const limiter =
    options.createRateLimit === undefined
      ? null
      : new RollingWindowLimiter(options.createRateLimit.limit, options.createRateLimit.windowMs);

  const serverTimeoutMs = options.serverTimeoutMs ?? FIVETRAN_REQUEST_LIMIT_MS;
  if (!(serverTimeoutMs > 0)) throw new SandboxConfigError(`serverTimeoutMs must be > 0, got ${serverTimeoutMs}`);
  const settings = {
    groups: new Set(groups),
    seed,
    limiter,
    accountLimits: options.accountRateLimit === undefined ? null : new AccountRateLimits(options.accountRateLimit),
    setupTestLimits: options.setupTestRateLimit === undefined ? null : new AccountRateLimits(options.setupTestRateLimit),
    forbiddenGroups: new Set(options.forbiddenGroups ?? []),
    duplicateSchemaStatus: checkedDuplicateStatus(options.duplicateSchemaStatus ?? 409),
  };
  const api = new FivetranApi(settings);
  const faults = new FaultInjector(seed);
  const calls: RecordedCall[] = [];
  const contractViolations: ContractViolation[] = [];
  const receivedSecrets = new Set<string>();
  const pendingDelays = new Set<NodeJS.Timeout>();
  let closed = false;
  let pendingRequests = 0;

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        pendingDelays.delete(timer);
        resolve();
      }, ms);
      pendingDelays.add(timer);
    });

  const recordViolation = (call: RecordedCall, status: number, errors: string[]) => {
    contractViolations.push({ method: call.method, path: call.path, status, errors });
    log(`CONTRACT VIOLATION ${call.method} ${call.path} -> ${status}: ${errors.join('; ')}`);
  };

  const finish = (call: RecordedCall, started: number) => {
    pendingRequests -= 1;
    calls.push(call);
    const fault = call.faultKind === undefined ? '' : ` [fault: ${call.faultKind}]`;
    log(`${call.method} ${call.path} -> ${call.status ?? 'dropped'}${fault} (${Date.now() - started} ms)`);
  };

  const drop = (request: IncomingMessage, call: RecordedCall, started: number) => {
    call.status = null;
    finish(call, started);
    request.socket.destroy();
  };

  const send = (response: ServerResponse, call: RecordedCall, answer: ApiResponse, started: number) => {
    let { status, body, headers = {} } = answer;
    if (validateResponses && answer.contract !== 'none') {
      const problems = contractProblems(answer, receivedSecrets);
      if (problems.length > 0) {
        recordViolation(call, status, problems);
        ({
          status,
          body,
          headers = {},
        } = errorResponse(new FivetranApiError(500, 'SandboxContractViolation', `The sandbox broke the contract: ${problems.join('; ')}`)));
      }
    }
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    response.writeHead(status, {
      'Content-Type': typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json;charset=UTF-8',
      'Content-Length': String(Buffer.byteLength(text)),
      ...headers,
    });
    // Recorded before the body leaves, so a client that got its answer always finds its call in `calls`.
    call.status = status;
    if (headers['Retry-After'] !== undefined) call.retryAfter = headers['Retry-After'];
    finish(call, started);
    response.end(text);
  };

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const started = Date.now();
    pendingRequests += 1;
    const url = new URL(request.url ?? '/', 'http://sandbox.invalid');
    const method = (request.method ?? 'GET').toUpperCase();
    const authorized = request.headers.authorization === expectedAuthorization;
    const call: RecordedCall = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: recordedHeaders(request.headers, authorized),
      body: undefined,
      status: null,
    };
    let rawBody: string;
    try {
      rawBody = await readBody(request);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      send(response, call, errorResponse(new FivetranApiError(413, defaultErrorCode(413), error.message)), started);
      return;
    }
    call.body = parsedForRecord(rawBody);
    const isCreate = method === 'POST' && url.pathname === '/v1/connections';
    if (isCreate || method === 'PATCH') {
      for (const secret of secretValuesOf(call.body)) {
        if (isCheckedSecret(secret)) receivedSecrets.add(secret);
      }
    }

    const planned = faults.plan({ method, path: url.pathname, isCreate });
    if (planned.kind !== undefined) call.faultKind = planned.kind;
    const apiRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      contentType: request.headers['content-type'],
      rawBody,
      authorized,
    };
    if (planned.outcome?.kind === 'server-timeout' || planned.delayMs >= serverTimeoutMs) {
      // Fivetran's own limit: the work is done (a create is made), the answer is a 500.
      call.faultKind = 'server-timeout';
      await delay(serverTimeoutMs);
      if (closed) return;
      api.handle(apiRequest);
      const timedOut = new FivetranApiError(500, FIVETRAN_ERROR_CODES.internalError, FIVETRAN_ERROR_MESSAGES.internalError);
      return send(response, call, errorResponse(timedOut), started);
    }
    if (planned.delayMs > 0) await delay(planned.delayMs);
    if (closed) return;
    const outcome = planned.outcome;
    if (outcome?.kind === 'drop') return drop(request, call, started);
    if (outcome?.kind === 'status') return send(response, call, injectedStatus(outcome), started);

    const answer = api.handle(apiRequest);
    // The created-then-* and applied-then-500 faults model a change that was applied although the client never learns it.
    if (outcome?.kind === 'created-then-drop') return drop(request, call, started);
    if (outcome?.kind === 'created-then-500' || outcome?.kind === 'applied-then-500') {
      const lost = new FivetranApiError(500, FIVETRAN_ERROR_CODES.internalError, FIVETRAN_ERROR_MESSAGES.internalError);
      return send(response, call, errorResponse(lost), started);
    }
    send(response, call, answer, started);
  };

  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      const call: RecordedCall = {
        method: request.method ?? '',
        path: request.url ?? '',
        query: {},
        headers: {},
        body: undefined,
        status: 500,
      };
      pendingRequests -= 1;
      recordViolation(call, 500, [`sandbox failure: ${message}`]);
      if (!response.headersSent && !response.destroyed) {
        response.writeHead(500, { 'Content-Type': 'application/json;charset=UTF-8' });
        response.end(JSON.stringify({ code: FIVETRAN_ERROR_CODES.internalError, message: 'Sandbox failure' }));
      }
    });
  });

  const url = await listenOnLoopback(server, options.port, options.host);

  return {
    url,
    get calls() {
      return calls;
    },
    get pendingRequests() {
      return pendingRequests;
    },
    get contractViolations() {
      return contractViolations;
    },
    connections: () => api.connections(),
    seedConnection: (seed) => api.seedConnection(seed),
    injectFault: (rule) => faults.inject(rule),
    clearFaults: () => faults.clear(),
    setRandomFaults: (config) => faults.setRandom(config),
    setCreateLatency: (ms) => faults.setCreateLatency(ms),
    setDuplicateSchemaStatus: (status) => {
      settings.duplicateSchemaStatus = checkedDuplicateStatus(status);
    },
    reset: () => {
      api.reset();
      faults.reset();
      calls.length = 0;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      for (const timer of pendingDelays) clearTimeout(timer);
      pendingDelays.clear();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await stopped;
    },
  };
}

function checkedDuplicateStatus(status: DuplicateSchemaStatus): DuplicateSchemaStatus {
  if (status !== 400 && status !== 409) throw new SandboxConfigError(`duplicateSchemaStatus must be 400 or 409, got ${String(status)}`);
  return status;
}

function injectedStatus(outcome: Extract<FaultOutcome, { kind: 'status' }>): ApiResponse {
  const headers: Record<string, string> =
    outcome.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(outcome.retryAfterSeconds) };
  if (outcome.body !== undefined) return { status: outcome.status, body: outcome.body, headers, contract: 'none' };
  const code = defaultErrorCode(outcome.status);
  // A 403 and a 404 read as Fivetran's own (errors.ts [forbidden], [tf-254]); the others say they were injected.
  const message =
    outcome.status === 403
      ? FIVETRAN_ERROR_MESSAGES.forbidden('CONNECTOR_CREATE')
      : outcome.status === 404
        ? FIVETRAN_ERROR_MESSAGES.routeNotFound
        : `Injected fault: HTTP ${outcome.status}`;
  return { status: outcome.status, body: { code, message }, headers, contract: 'errorResponse' };
}

function recordedHeaders(headers: IncomingHttpHeaders, authorized: boolean): Record<string, string> {
  const recorded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    recorded[name] = name === 'authorization' ? (authorized ? 'valid' : 'invalid') : Array.isArray(value) ? value.join(', ') : value;
  }
  return recorded;
}

function parsedForRecord(rawBody: string): unknown {
  if (rawBody === '') return undefined;
  try {
    return JSON.parse(rawBody);
  } catch {
    return rawBody;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    // Keep draining, so that the 413 can still be answered on this socket.
    if (size > MAX_BODY_BYTES) tooLarge = true;
    else chunks.push(chunk as Buffer);
  }
  if (tooLarge) throw new BodyTooLargeError(`Request body exceeds ${MAX_BODY_BYTES} bytes`);
  return Buffer.concat(chunks).toString('utf8');
}
