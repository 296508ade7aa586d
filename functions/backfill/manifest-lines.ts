import { describeIssues, MAX_REQUEST_BYTES, parseProvisioningRequest, shownFieldName } from '../../shared/contracts/request-parser';
import { provisioningRequestSchema, type ProvisioningRequest } from '../../shared/contracts/request';

/** One thing wrong with a manifest line: where in the request (dot path, '' for the whole line) and why. */
export interface LineIssue {
  path: string;
  reason: string;
}

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
  const issues = issuesOf(content, parsed.error.message);
  return {
    line,
    ok: false,
    requestId: parsed.known.requestId,
    issues: issues.slice(0, MAX_ISSUES_PER_LINE),
    issuesOmitted: Math.max(0, issues.length - MAX_ISSUES_PER_LINE),
  };
}

/**
 * The parser's verdict is authoritative; this only splits its reasons by
 * path, in the parser's own words (`describeIssues`), for a structured report.
 */
function issuesOf(content: string, parserMessage: string): LineIssue[] {
  const whole = (reason: string): LineIssue[] => [{ path: '', reason }];
  if (Buffer.byteLength(content, 'utf8') > MAX_REQUEST_BYTES) return whole(parserMessage.replace(/^Invalid request: /, ''));
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    return whole('the line is not JSON');
  }
  const checked = provisioningRequestSchema.safeParse(json);
  if (checked.success) return whole(parserMessage.replace(/^Invalid request: /, ''));
  return checked.error.issues.flatMap((issue) => {
    const base = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...base, shownFieldName(key)].join('.'), reason: 'unknown field' }));
    }
    const where = base.length > 0 ? base.join('.') : 'body';
    const described = describeIssues([issue], json);
    return [{ path: base.join('.'), reason: described.slice(`${where}: `.length) }];
  });
}
