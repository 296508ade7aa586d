import { validateRequest } from '../shared/producer';
import type { CliIo } from './io';
import type { RequestEntry } from './request-file';

export interface CheckedRequests {
  valid: Array<{ where: string; value: unknown; requestId: string }>;
  invalid: Array<{ where: string; reason: string }>;
}

/** Checks every entry with the worker's own parser, keeping where each came from. */
export function checkRequests(entries: readonly RequestEntry[]): CheckedRequests {
  const checked: CheckedRequests = { valid: [], invalid: [] };
  for (const entry of entries) {
    if ('error' in entry) {
      checked.invalid.push({ where: entry.where, reason: entry.error });
      continue;
    }
    const validation = validateRequest(entry.value);
    if (validation.ok) checked.valid.push({ where: entry.where, value: entry.value, requestId: validation.requestId });
    else checked.invalid.push({ where: entry.where, reason: validation.reason });
  }
  return checked;
}

/** "line 4: connection.sync_frequency: must be one of 1, 5, …" for every invalid entry. */
export function reportInvalid(checked: CheckedRequests, io: Pick<CliIo, 'err'>): void {
  for (const { where, reason } of checked.invalid) io.err(`${where}: ${reason}`);
}
