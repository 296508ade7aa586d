/**
 * The known name a mistyped one was most likely meant to be, for "did you
 * mean" hints: the nearest by edit distance (a swap of two neighbours counts
 * as one edit), if it is near enough to be a typo rather than another word.
 *
 * @example closestName('strat', ['start', 'enqueue']) // 'start'
 * @example closestName('maxConcurency', ['maxConcurrency', 'memorySize']) // 'maxConcurrency'
 */
export function closestName(input: string, known: readonly string[]): string | undefined {
  const typed = input.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(typed, name.toLowerCase());
    if (best === undefined || distance < best.distance) best = { name, distance };
  }
  // One edit in four letters, at least one: "strat" → "start", but "foo" is no "schema".
  const allowed = Math.max(1, Math.floor(typed.length / 4));
  return best !== undefined && best.distance <= allowed ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = distance;
    }
  }
  return rows[a.length]![b.length]!;
}
