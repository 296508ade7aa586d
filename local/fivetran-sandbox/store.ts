/**
 * The sandbox's connections, in creation order, with Fivetran-style ids and opaque
 * pagination cursors that stay valid when earlier connections are deleted.
 */
import type { SeededRandom } from './prng';
import type { StoredConnection } from './types';

/** A cursor that this store did not issue. */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

export interface ConnectionFilter {
  groupId?: string | undefined;
  schema?: string | undefined;
}

export interface ConnectionPage {
  items: StoredConnection[];
  /** Present only when more connections match after this page. */
  nextCursor?: string | undefined;
}

// Fivetran ids read like two random words ("iodize_impressive"); these lists only imitate the look.
const ADJECTIVES = [
  'amber',
  'brisk',
  'calm',
  'dapper',
  'eager',
  'fluent',
  'gentle',
  'hollow',
  'idle',
  'jolly',
  'keen',
  'lucid',
  'mellow',
  'nimble',
  'opaque',
  'placid',
  'quiet',
  'rustic',
  'sturdy',
  'tidy',
  'upbeat',
  'vivid',
  'witty',
  'zesty',
] as const;
const NOUNS = [
  'anchor',
  'badger',
  'canyon',
  'dune',
  'ember',
  'falcon',
  'glacier',
  'harbor',
  'island',
  'juniper',
  'kettle',
  'lantern',
  'meadow',
  'nectar',
  'orchid',
  'pebble',
  'quarry',
  'river',
  'summit',
  'thicket',
  'umber',
  'valley',
  'willow',
  'yarrow',
] as const;

interface Entry {
  sequence: number;
  connection: StoredConnection;
}

export class ConnectionStore {
  private readonly entries = new Map<string, Entry>();
  private sequence = 0;

  /** A fresh, unused Fivetran-looking id drawn from `random`. */
  newId(random: SeededRandom): string {
    for (let attempt = 0; ; attempt += 1) {
      const words = `${random.pick(ADJECTIVES)}_${random.pick(NOUNS)}`;
      const id = attempt < 8 ? words : `${words}${random.integer(10, 9999)}`;
      if (!this.entries.has(id)) return id;
    }
  }

  add(connection: StoredConnection): void {
    this.sequence += 1;
    this.entries.set(connection.id, { sequence: this.sequence, connection });
  }

  get(id: string): StoredConnection | undefined {
    return this.entries.get(id)?.connection;
  }

  findBySchema(groupId: string, schema: string): StoredConnection | undefined {
    return [...this.entries.values()].find(({ connection }) => connection.groupId === groupId && connection.schema === schema)?.connection;
  }

  delete(id: string): boolean {
    return this.entries.delete(id);
  }

  /** One page of the connections matching `filter` exactly; throws InvalidCursorError on a foreign cursor. */
  list(filter: ConnectionFilter, cursor: string | undefined, limit: number): ConnectionPage {
    const after = cursor === undefined ? 0 : decodeCursor(cursor);
    const matching = [...this.entries.values()].filter(
      ({ sequence, connection }) =>
        sequence > after &&
        (filter.groupId === undefined || connection.groupId === filter.groupId) &&
        (filter.schema === undefined || connection.schema === filter.schema),
    );
    const page = matching.slice(0, limit);
    const last = page.at(-1);
    const result: ConnectionPage = { items: page.map(({ connection }) => connection) };
    if (matching.length > limit && last !== undefined) result.nextCursor = encodeCursor(last.sequence);
    return result;
  }

  /** Deep copies, so a test cannot change what the sandbox serves. */
  all(): StoredConnection[] {
    return [...this.entries.values()].map(({ connection }) => structuredClone(connection));
  }

  clear(): void {
    this.entries.clear();
    this.sequence = 0;
  }
}

const CURSOR_PREFIX = 'after:';

function encodeCursor(sequence: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${sequence}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const sequence = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : Number.NaN;
  if (!Number.isInteger(sequence) || sequence < 0) throw new InvalidCursorError(`cursor '${cursor}' was not issued by this API`);
  return sequence;
}
