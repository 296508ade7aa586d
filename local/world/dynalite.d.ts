/** dynalite ships no types: the part of its API the local world uses. */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** Milliseconds a table stays CREATING (0: ACTIVE at once). */
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    /** A LevelDB directory; absent: in memory. */
    path?: string;
  }

  export default function dynalite(options?: DynaliteOptions): Server;
}
