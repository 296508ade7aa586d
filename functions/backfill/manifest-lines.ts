import type { ProvisioningRequest } from '../../shared/contracts/request';
import { parseProvisioningRequest } from '../../shared/contracts/request-parser';
import type { RequestIssue } from '../../shared/runtime/errors';

/** One thing wrong with a manifest line: where in the request (dot path, '' for the whole line) and why. */
export type LineIssue = RequestIssue;

/** A manifest line, numbered as an editor numbers it (1-based, blank lines counted). */
export type ManifestLine =
  | { line: number; ok: true; request: ProvisioningRequest }
  | { line: number; ok: false; requestId: string | null; issues: LineIssue[]; issuesOmitted: number };

/** Enough to fix a line; the rest would only bloat the event (EventBridge takes 256 KiB an event). */
export const MAX_ISSUES_PER_LINE = 10;

/**
 * Reads a JSON Lines manifest: one provisioning request per line, checked by
 * the worker's own parser so a line accepted here is never refused by the
 * worker as INVALID_REQUEST. Blank lines are skipped but keep their number,
 * so every line number reported is the one an editor shows. Never throws.
 *
 * @example
 * parseManifest('{"requestId":"a",…}\n\n{"requestId":"b"}\n')
 * // [{ line: 1, ok: true, request }, { line: 3, ok: false, requestId: 'b', issues: [{ path: 'connection', reason: 'is required' }] }]
 */
export function parseManifest(text: string): ManifestLine[] {
  // A byte-order mark is invisible in editors; it must not make line 1 "not JSON".
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const parsed: ManifestLine[] = [];
  lines.forEach((raw, index) => {
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (content.trim() === '') return;
    parsed.push(parseManifestLine(index + 1, content));
  });
  return parsed;
}

/** Parses one line; an invalid one carries its issues by path (at most MAX_ISSUES_PER_LINE, and how many more there were). */
export function parseManifestLine(line: number, content: string): ManifestLine {
  const parsed = parseProvisioningRequest(content);
  if (parsed.ok) return { line, ok: true, request: parsed.request };
  // The parser's issues, in its own words; only "not JSON" is said of a line rather than of a message body.
  const issues = parsed.failedCheck === 'json' ? [{ path: '', reason: 'the line is not JSON' }] : parsed.error.issues;
  return {
    line,
    ok: false,
    requestId: parsed.known.requestId,
    issues: issues.slice(0, MAX_ISSUES_PER_LINE),
    issuesOmitted: Math.max(0, issues.length - MAX_ISSUES_PER_LINE),
  };
}
