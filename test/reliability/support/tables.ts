import type { RecordedCall } from '../../../local/fivetran-sandbox/types';
import { OUTAGE_GROUP } from './campaign';

/** How a campaign's findings are counted and written: the rows of its table, as Markdown. */

export interface TableRow {
  check: string;
  observed: string;
  required: string;
  /** undefined for a fact that is reported, not asserted. */
  holds?: boolean;
}

export function markdownTable(rows: readonly TableRow[]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const lines = ['| check | observed | required | holds |', '| --- | --- | --- | --- |'];
  for (const row of rows) {
    const holds = row.holds === undefined ? '' : row.holds ? 'yes' : '**NO**';
    lines.push(`| ${cell(row.check)} | ${cell(row.observed)} | ${cell(row.required)} | ${holds} |`);
  }
  return lines.join('\n');
}

export function describeFaults(calls: readonly RecordedCall[]): string {
  const counts = countBy(calls, (call) => {
    if (call.faultKind === undefined) return '';
    if (call.path.includes(`/${OUTAGE_GROUP}/`)) return `503 of the outage group`;
    if (call.faultKind === 'status' && call.status === 429) return `429 (Retry-After ${call.retryAfter} s)`;
    if (call.faultKind === 'status') return String(call.status);
    return call.faultKind;
  });
  counts.delete('');
  const natural429 = calls.filter((call) => call.faultKind === undefined && call.status === 429).length;
  if (natural429 > 0) counts.set('429 of the creation limit', natural429);
  return describeCounts(counts);
}

export function describeCounts(counts: Map<string, number>): string {
  if (counts.size === 0) return 'none';
  return [...counts]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, count]) => `${key} ${count}`)
    .join(', ');
}

export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}
