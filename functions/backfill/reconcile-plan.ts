import type { BackfillMode } from '../../shared/contracts/backfill-events';
import type { NotEnqueuedCode } from '../../shared/contracts/error-codes';
import type { ProvisioningRequest } from '../../shared/contracts/request';
import type { LineIssue, ManifestLine } from './manifest-lines';

/** What listing a group's connections found: the schemas in use (schema → service), or why it failed. */
export type GroupListing =
  | { ok: true; schemas: ReadonlyMap<string, string> }
  | { ok: false; code: Extract<NotEnqueuedCode, 'GROUP_NOT_FOUND' | 'GROUP_LISTING_FAILED'>; reason: string };

/** What the run does with one manifest line. */
export type LineDecision =
  | { line: number; kind: 'invalid'; requestId: string | null; issues: LineIssue[]; issuesOmitted: number }
  | { line: number; kind: 'duplicate'; requestId: string; firstLine: number }
  | { line: number; kind: 'already_provisioned'; requestId: string }
  | { line: number; kind: 'not_enqueued'; requestId: string; groupId: string; code: NotEnqueuedCode; reason: string }
  | { line: number; kind: 'waiting'; requestId: string; notBefore: string }
  | { line: number; kind: 'enqueue'; request: ProvisioningRequest };

const keyOf = (request: ProvisioningRequest) => `${request.connection.group_id}\u0000${request.connection.config.schema}`;

/**
 * The groups whose connections must be listed before `lines` can be
 * decided, in order of first appearance, each once. Mode "all" looks at no group.
 *
 * @example groupsToList(lines, 'missing') // ['decent_dropsy', 'team_b_group']
 */
export function groupsToList(lines: readonly ManifestLine[], mode: BackfillMode): string[] {
  if (mode === 'all') return [];
  const groups = new Set<string>();
  for (const line of lines) if (line.ok) groups.add(line.request.connection.group_id);
  return [...groups];
}

/**
 * Lines that ask for the same group and schema as an earlier line, mapped to
 * that earlier line. Computed over the whole manifest, so a follow-up
 * invocation that starts half-way still knows what came before.
 *
 * @example findDuplicates(parseManifest(text)) // Map { 7 => 2 }
 */
export function findDuplicates(manifest: readonly ManifestLine[]): Map<number, number> {
  const first = new Map<string, number>();
  const duplicates = new Map<number, number>();
  for (const line of manifest) {
    if (!line.ok) continue;
    const key = keyOf(line.request);
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, line.line);
    else duplicates.set(line.line, earlier);
  }
  return duplicates;
}

export interface PlanInput {
  mode: BackfillMode;
  /** Listings of (at least) every group in `groupsToList(lines, mode)`. */
  listings: ReadonlyMap<string, GroupListing>;
  /** From `findDuplicates`; ignored in mode "all". */
  duplicates: ReadonlyMap<number, number>;
}

/**
 * Decides every line: invalid lines are reported, and in mode "missing" a
 * request is enqueued only when its schema has no connection in its group
 * yet. A schema held by another service is reported rather than enqueued,
 * since the worker would refuse it (SCHEMA_TAKEN). Mode "all" enqueues every
 * valid line without asking Fivetran. Pure: no I/O.
 *
 * @example planLines(lines, { mode: 'missing', listings, duplicates: new Map() })
 * // [{ line: 1, kind: 'already_provisioned', requestId: 'team-a' }, { line: 2, kind: 'enqueue', request }]
 */
export function planLines(lines: readonly ManifestLine[], input: PlanInput): LineDecision[] {
  return lines.map((line): LineDecision => {
    if (!line.ok)
      return { line: line.line, kind: 'invalid', requestId: line.requestId, issues: line.issues, issuesOmitted: line.issuesOmitted };
    const { request } = line;
    if (input.mode === 'all') return { line: line.line, kind: 'enqueue', request };

    const firstLine = input.duplicates.get(line.line);
    if (firstLine !== undefined) return { line: line.line, kind: 'duplicate', requestId: request.requestId, firstLine };

    const groupId = request.connection.group_id;
    const schema = request.connection.config.schema;
    const listing = input.listings.get(groupId);
    if (listing === undefined) throw new Error(`planLines: group ${groupId} was not listed`);
    const notEnqueued = (code: NotEnqueuedCode, reason: string): LineDecision => ({
      line: line.line,
      kind: 'not_enqueued',
      requestId: request.requestId,
      groupId,
      code,
      reason,
    });
    if (!listing.ok) return notEnqueued(listing.code, listing.reason);
    const service = listing.schemas.get(schema);
    if (service === undefined) return { line: line.line, kind: 'enqueue', request };
    if (service === 'gitlab') return { line: line.line, kind: 'already_provisioned', requestId: request.requestId };
    return notEnqueued(
      'SCHEMA_TAKEN',
      `schema "${schema}" in group ${groupId} belongs to a ${service} connection; choose another config.schema`,
    );
  });
}

/** A create the worker deferred, as the ledger has it: waiting on the queue for Fivetran's budget until `notBefore`. */
export interface DeferredRequest {
  /** ISO 8601. */
  notBefore: string;
}

/**
 * How long past its `notBefore` a deferral still counts. A deferred message is
 * worked, or deferred again (a new `notBefore`), soon after it becomes
 * visible; one that has said nothing for this long was lost with its message
 * (purged, dead-lettered), and its line is enqueued again rather than wait forever.
 */
export const STALE_DEFERRAL_MS = 3_600_000;

/**
 * The decisions with every request about to be enqueued that the worker
 * deferred turned into "waiting": it is on the queue already, delayed, and
 * sending it again would only double the backlog. Pure: no I/O.
 *
 * @example holdWaiting(decisions, new Map([['team-a', { notBefore: '2025-06-02T02:00:00.000Z' }]]), Date.now())
 */
export function holdWaiting(
  decisions: readonly LineDecision[],
  deferred: ReadonlyMap<string, DeferredRequest>,
  now: number,
): LineDecision[] {
  return decisions.map((decision): LineDecision => {
    if (decision.kind !== 'enqueue') return decision;
    const entry = deferred.get(decision.request.requestId);
    const notBefore = entry === undefined ? Number.NaN : Date.parse(entry.notBefore);
    if (!Number.isFinite(notBefore) || notBefore < now - STALE_DEFERRAL_MS) return decision;
    return { line: decision.line, kind: 'waiting', requestId: decision.request.requestId, notBefore: new Date(notBefore).toISOString() };
  });
}
