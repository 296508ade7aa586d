import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { LIFECYCLE_FAILURE_CODES } from '../../shared/contracts/error-codes';
import { REQUEST_ACTIONS, type RequestAction } from '../../shared/contracts/lifecycle-request';
import type { FaultRule } from '../fivetran-sandbox/types';
import { fileErrorReason } from './file-error';

/** What a lifecycle example ends as when it succeeds: one per lifecycle event (a decommission has two). */
export const LIFECYCLE_OUTCOMES = ['updated', 'paused', 'resumed', 'credentials_applied', 'deleted', 'already_deleted'] as const;
export type LifecycleOutcome = (typeof LIFECYCLE_OUTCOMES)[number];

/** What an example must end as: a connection outcome, or the code of its failure event. RETRIES_EXHAUSTED means dead-lettered. */
export const EXPECTATIONS = ['created', 'already_exists', ...LIFECYCLE_OUTCOMES, ...LIFECYCLE_FAILURE_CODES] as const;
export type Expectation = (typeof EXPECTATIONS)[number];

/** Faults an example may meet at the sandbox's create route; "always" keeps it failing (a persistent fault). */
const faultSchema = z.intersection(
  z.union([
    z.strictObject({ kind: z.enum(['created-then-500', 'created-then-drop', 'drop']) }),
    z.strictObject({
      kind: z.literal('status'),
      status: z.union([z.literal(429), z.literal(500), z.literal(502), z.literal(503), z.literal(504)]),
      retryAfterSeconds: z.int().min(0).optional(),
    }),
  ]),
  z.object({ times: z.union([z.int().positive(), z.literal('always')]).optional() }),
);

const manifestSchema = z.object({
  examples: z.array(
    z.strictObject({
      file: z.string().min(1),
      title: z.string().min(1),
      expect: z.enum(EXPECTATIONS),
      fault: faultSchema.optional(),
    }),
  ),
});

export type ExampleFault = z.infer<typeof faultSchema>;

export interface Example {
  title: string;
  /** The request as the file holds it; an invalid one on purpose for some examples. */
  request: unknown;
  /** The request's own requestId, which its outcome event carries. */
  requestId: string;
  /** The request's action: `create` when it names none (or an unknown one, which the worker refuses). */
  action: RequestAction;
  /**
   * The connection a lifecycle example acts on, as its `target` names it (JSON text, so that two
   * examples on one connection can be told apart and sent one after the other); undefined for a create.
   */
  targetKey?: string;
  expect: Expectation;
  fault?: ExampleFault;
}

/** Thrown when examples/examples.json or a file it names cannot be used. */
export class ExamplesError extends Error {
  override readonly name = 'ExamplesError';
  readonly code = 'EXAMPLES_INVALID';
}

export const EXAMPLES_MANIFEST = 'examples.json';

/** Reads the manifest of a directory of examples and every request file it names, in order. */
export function loadExamples(directory: string): Example[] {
  const manifestPath = join(directory, EXAMPLES_MANIFEST);
  const manifest = manifestSchema.safeParse(readJson(manifestPath));
  if (!manifest.success) {
    throw new ExamplesError(
      `${manifestPath}: ${manifest.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`,
    );
  }
  return manifest.data.examples.map((entry) => {
    const path = join(directory, entry.file);
    const request = readJson(path);
    const requestId = (request as { requestId?: unknown } | null)?.requestId;
    if (typeof requestId !== 'string' || requestId === '') {
      throw new ExamplesError(`${path}: an example needs a requestId, even an invalid one, so that its outcome event can be matched`);
    }
    const { action, targetKey } = actionOf(request);
    if (entry.fault && action !== 'create') {
      throw new ExamplesError(`${path}: a fault is met at the create route, so only a create example can have one`);
    }
    return {
      title: entry.title,
      request,
      requestId,
      action,
      ...(targetKey === undefined ? {} : { targetKey }),
      expect: entry.expect,
      ...(entry.fault ? { fault: entry.fault } : {}),
    };
  });
}

/** The action and target of a request as its file holds them; the worker, not this, decides whether they are valid. */
function actionOf(request: unknown): { action: RequestAction; targetKey?: string } {
  const { action, target } = request as { action?: unknown; target?: unknown };
  const known = REQUEST_ACTIONS.find((candidate) => candidate === action);
  if (known === undefined || known === 'create') return { action: 'create' };
  return { action: known, targetKey: JSON.stringify(target ?? null) };
}

/** The sandbox rule for an example's fault: at the create route, once unless it says otherwise. */
export function faultRuleFor(fault: ExampleFault): FaultRule {
  const { times, ...rest } = fault;
  return { ...rest, method: 'POST', path: '/v1/connections', times: times === 'always' ? Infinity : (times ?? 1) } as FaultRule;
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ExamplesError(`Cannot read ${path}: ${fileErrorReason(error)}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ExamplesError(`${path} is not JSON: ${(error as Error).message}`);
  }
}
