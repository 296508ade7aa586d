import { seededRandom } from '../../../local/fivetran-sandbox/prng';

/**
 * Unique strings to plant in secret values. Each starts `MRK<n>x<6 hex>`: no
 * marker is a part of another, and none occurs in ordinary text by chance,
 * so finding one in a log line or an event is a leak of exactly that secret.
 */
export interface Markers {
  /**
   * A new marker, remembered with a label saying which secret holds it.
   * `size` is how long the secret it stands for would really be; long markers
   * are that long.
   */
  next(label: string, size?: number): string;
  /** Every marker handed out, with its label. */
  all(): ReadonlyArray<{ marker: string; label: string }>;
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Markers from a seed. With `long`, each is a long random value (48
 * characters, or its `size`), as real tokens and keys are, so a test can look
 * for any fragment of one rather than for the whole.
 */
export function createMarkers(seed: number, options: { prefix?: string; long?: boolean } = {}): Markers {
  const prefix = options.prefix ?? 'MRK';
  const random = seededRandom(seed ^ 0x5eed);
  const issued: Array<{ marker: string; label: string }> = [];
  return {
    next(label, size = 48) {
      const hex = Array.from({ length: 6 }, () => random.integer(0, 15).toString(16)).join('');
      let marker = `${prefix}${issued.length}x${hex}`;
      if (options.long) marker += Array.from({ length: Math.max(0, size - marker.length) }, () => BASE62[random.integer(0, 61)]).join('');
      issued.push({ marker, label });
      return marker;
    },
    all: () => issued,
  };
}

export interface Leak {
  label: string;
  /** Where it was found, e.g. "log line 12" or "event 3 (Connection Provisioning Failed)". */
  where: string;
  /** The text around it, with the secret itself masked, so the report of a leak does not leak. */
  excerpt: string;
}

/** Every occurrence of any of `needles` in `haystacks`. */
export function findLeaks(
  needles: ReadonlyArray<{ marker: string; label: string }>,
  haystacks: ReadonlyArray<{ where: string; text: string }>,
): Leak[] {
  const leaks: Leak[] = [];
  for (const { where, text } of haystacks) {
    for (const { marker, label } of needles) {
      const at = text.indexOf(marker);
      if (at < 0) continue;
      const excerpt = `${text.slice(Math.max(0, at - 60), at)}<${label}>${text.slice(at + marker.length, at + marker.length + 60)}`;
      leaks.push({ label, where, excerpt });
    }
  }
  return leaks;
}
