import type { ProvisioningRequest } from '../../shared/contracts/request';
import type { EnqueueResult } from '../../shared/producer';
import { type BackfillCursor, settleChunk } from './cursor';
import type { ManifestLine } from './manifest-lines';
import { type DeferredRequest, findDuplicates, type GroupListing, groupsToList, holdWaiting, planLines } from './reconcile-plan';

/** The I/O a run needs, passed in so the run itself can be tested without any. */
export interface BackfillRunDeps {
  /** Lists one group's connections; never throws (see createGroupLister). */
  listGroup(groupId: string): Promise<GroupListing>;
  /** Puts requests on the queue; one result per request, in order; never throws (see the producer's enqueue). */
  enqueue(requests: ProvisioningRequest[]): Promise<EnqueueResult[]>;
  /** True when the invocation should hand over rather than start more work. */
  timeIsShort(): boolean;
  /** Lines decided and enqueued together: the unit of progress, and the most a handover can wait for. */
  chunkLines: number;
  /**
   * The ledger's deferred creates among `requestIds` (mode "missing"); never
   * throws: what it could not read it leaves out, and those lines are enqueued
   * as ever. Absent (no ledger): every request is enqueued.
   */
  findDeferred?(requestIds: string[]): Promise<ReadonlyMap<string, DeferredRequest>>;
  /** For the deferrals' age; Date.now when absent. */
  now?(): number;
  /** Called with the cursor after every chunk, so a caller can report progress or how far an aborted run got. */
  onChunkSettled?(cursor: BackfillCursor): void;
}

export type BackfillStep =
  /** Every line was handled: publish the end of the run. */
  | { kind: 'finished'; cursor: BackfillCursor }
  /** Time is short: hand the cursor to a follow-up invocation. */
  | { kind: 'handoff'; cursor: BackfillCursor };

/**
 * Works through the manifest from `cursor.nextLine`, a chunk at a time: lists
 * the groups the chunk needs (each once per invocation), decides every line,
 * counts as waiting the requests the worker deferred (still on the queue),
 * enqueues the others whose schema has no connection yet, and only then
 * moves the cursor past the chunk. Before every chunk but the first it asks
 * whether time is short, and if so stops with the cursor for a follow-up;
 * the first chunk always runs, so every invocation makes progress.
 *
 * @example
 * const step = await continueBackfill(cursor, parseManifest(text), { listGroup, enqueue, timeIsShort, chunkLines: 100 });
 * if (step.kind === 'handoff') await invokeFollowUp(step.cursor);
 */
export async function continueBackfill(
  cursor: BackfillCursor,
  manifest: readonly ManifestLine[],
  deps: BackfillRunDeps,
): Promise<BackfillStep> {
  const remaining = manifest.filter((line) => line.line >= cursor.nextLine);
  const duplicates = cursor.mode === 'missing' ? findDuplicates(manifest) : new Map<number, number>();
  const listings = new Map<string, GroupListing>();
  let current = cursor;

  for (let start = 0; start < remaining.length; start += deps.chunkLines) {
    const chunk = remaining.slice(start, start + deps.chunkLines);
    for (const groupId of groupsToList(chunk, cursor.mode)) {
      if (listings.has(groupId)) continue;
      // Listing a large group can take a while: stop before it rather than run into the Lambda timeout.
      if (start > 0 && deps.timeIsShort()) return { kind: 'handoff', cursor: current };
      listings.set(groupId, await deps.listGroup(groupId));
    }
    if (start > 0 && deps.timeIsShort()) return { kind: 'handoff', cursor: current };

    let decisions = planLines(chunk, { mode: cursor.mode, listings, duplicates });
    // Only a request whose connection does not exist yet may be waiting; mode "all" enqueues every line, as it says.
    const candidates = decisions.flatMap((decision) => (decision.kind === 'enqueue' ? [decision.request.requestId] : []));
    if (deps.findDeferred && cursor.mode === 'missing' && candidates.length > 0) {
      decisions = holdWaiting(decisions, await deps.findDeferred(candidates), (deps.now ?? Date.now)());
    }
    const toSend = decisions.flatMap((decision) => (decision.kind === 'enqueue' ? [decision.request] : []));
    const results = toSend.length > 0 ? await deps.enqueue(toSend) : [];
    current = settleChunk(current, decisions, results, chunk.at(-1)!.line + 1);
    deps.onChunkSettled?.(current);
  }
  return { kind: 'finished', cursor: current };
}
