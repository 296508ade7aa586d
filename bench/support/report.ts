/**
 * One benchmark's result: a ratio measured within the run, its target, and
 * whatever else the report should say about it.
 */
export interface BenchmarkResult {
  id: string;
  title: string;
  /** The headline figure and how it compares with its target. */
  figure: { name: string; value: number; target: string; met: boolean };
  /** Further measured figures, shown as a table. */
  details: Record<string, string | number | boolean>;
  /** What the figures mean; where a target is missed, by how much and why. */
  notes: string[];
}
