import type { ParsedRequest } from '../../shared/contracts/request-parser';
import type { FivetranConnection } from '../../shared/fivetran/schemas';

/**
 * One listing of a group's connections, shared by the records of a batch that
 * provision into that group: ten records for one group cost one list call
 * instead of ten lookups. A listing can be stale by the time a record creates
 * (another container may create the same schema meanwhile); Fivetran's
 * uniqueness of schemas per group then refuses the create, and the refusal is
 * followed by a fresh lookup, so staleness costs a call, never a duplicate.
 */
export interface GroupSnapshots {
  /** Whether this batch lists the group once instead of looking up each schema. */
  covers(groupId: string): boolean;
  /** Connections of the group with this schema, listing the group on first use. */
  find(groupId: string, schema: string, list: () => Promise<FivetranConnection[]>): Promise<FivetranConnection[]>;
  /** Adds a connection this batch created or found, for the records after it. */
  remember(connection: FivetranConnection): void;
}

/** Snapshots for the groups that at least `minRecords` records of the batch name. */
export function createGroupSnapshots(groupIdsOfRecords: readonly string[], minRecords = 2): GroupSnapshots {
  const counts = new Map<string, number>();
  for (const groupId of groupIdsOfRecords) counts.set(groupId, (counts.get(groupId) ?? 0) + 1);
  const covered = new Set([...counts].filter(([, count]) => count >= minRecords).map(([groupId]) => groupId));
  const listings = new Map<string, Promise<FivetranConnection[]>>();
  const remembered: FivetranConnection[] = [];

  return {
    covers: (groupId) => covered.has(groupId),
    async find(groupId, schema, list) {
      let listing = listings.get(groupId);
      if (listing === undefined) {
        listing = list();
        listings.set(groupId, listing);
        // A failed listing is not kept: the next record (or retry) lists again.
        listing.catch(() => listings.delete(groupId));
      }
      const listed = await listing;
      return [...listed, ...remembered].filter((connection) => connection.group_id === groupId && connection.schema === schema);
    },
    remember(connection) {
      remembered.push(connection);
    },
  };
}

/** The group ids of a batch's valid creates; an invalid request or a lifecycle one lists no group, so it needs no listing. */
export function groupIdsOf(parsedRecords: Iterable<ParsedRequest>): string[] {
  return [...parsedRecords].flatMap((parsed) => (parsed.ok && parsed.kind === 'create' ? [parsed.request.connection.group_id] : []));
}
