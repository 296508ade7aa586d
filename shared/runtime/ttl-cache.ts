/**
 * A per-key cache of asynchronously loaded values that expire after a fixed
 * time. Concurrent gets of one key share one load, so a batch naming the same
 * secret ten times makes one call. A failed load is not cached.
 */
export interface TtlCache<T> {
  get(key: string, load: () => Promise<T>): Promise<T>;
  /** Forgets every entry (tests; a rotated secret that must be read now). */
  clear(): void;
}

export function createTtlCache<T>(ttlMs: number, now: () => number = Date.now): TtlCache<T> {
  const entries = new Map<string, { value: Promise<T>; expiresAt: number }>();
  return {
    get(key, load) {
      const cached = entries.get(key);
      if (cached !== undefined && cached.expiresAt > now()) return cached.value;
      const value = load();
      const entry = { value, expiresAt: now() + ttlMs };
      entries.set(key, entry);
      value.catch(() => {
        if (entries.get(key) === entry) entries.delete(key);
      });
      return value;
    },
    clear() {
      entries.clear();
    },
  };
}
