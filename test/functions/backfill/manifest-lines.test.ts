import { describe, expect, it } from 'vitest';
import { MAX_ISSUES_PER_LINE, parseManifest } from '../../../functions/backfill/manifest-lines';
import { patRequest } from '../../../local/world/fixtures';

describe('reading a JSON Lines manifest', () => {
  it('numbers lines as an editor does, skipping blank lines and tolerating CRLF and a byte-order mark', () => {
    // given a manifest written on Windows, with a BOM and blank lines
    const text = `\uFEFF${JSON.stringify(patRequest({ schema: 'gitlab_one' }))}\r\n\r\n   \r\n${JSON.stringify(patRequest({ schema: 'gitlab_two' }))}\r\n`;

    // when it is parsed
    const lines = parseManifest(text);

    // then the two requests keep their line numbers 1 and 4
    expect(lines.map((line) => [line.line, line.ok && line.request.connection.config.schema])).toEqual([
      [1, 'gitlab_one'],
      [4, 'gitlab_two'],
    ]);
  });

  it("reports each problem of an invalid line by path, in the words of the worker's parser", () => {
    // given a line with an unknown field, a bad enum value and a secret value inline
    const request = patRequest({ schema: 'gitlab_bad' }) as Record<string, any>;
    request.connection.sync_frequency = 7;
    request.connection.config.personal_access_token = 'fake-token';
    request.surprise = true;

    // when it is parsed
    const [line] = parseManifest(JSON.stringify(request));

    // then every issue is named with its path, and the request id is kept for the report
    expect(line).toEqual({
      line: 1,
      ok: false,
      requestId: 'req-gitlab_bad',
      issues: expect.arrayContaining([
        { path: 'surprise', reason: 'unknown field' },
        { path: 'connection.sync_frequency', reason: expect.stringMatching(/^must be one of 1, 5, 15/) },
        { path: 'connection.config.personal_access_token', reason: expect.stringContaining('is a secret value') },
      ]),
      issuesOmitted: 0,
    });
  });

  it('reports a line that is not JSON, or not an object, as a whole', () => {
    const lines = parseManifest('{"requestId": \n[1,2]\n');
    expect(lines).toEqual([
      { line: 1, ok: false, requestId: null, issues: [{ path: '', reason: 'the line is not JSON' }], issuesOmitted: 0 },
      { line: 2, ok: false, requestId: null, issues: [{ path: '', reason: expect.any(String) }], issuesOmitted: 0 },
    ]);
  });

  it('keeps at most ten issues per line, and counts the rest', () => {
    const unknownFields = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`field_${i}`, i]));
    const [line] = parseManifest(JSON.stringify({ ...patRequest(), ...unknownFields }));
    expect(line?.ok === false && line.issues).toHaveLength(MAX_ISSUES_PER_LINE);
    expect(line?.ok === false && line.issuesOmitted).toBe(5);
  });

  it('names an unknown field only when it looks like a field name, never what may be a pasted token', () => {
    const [line] = parseManifest(JSON.stringify({ ...patRequest(), colour: 'red', 'glpat-fake-M4RK3R-token': true }));
    expect(line?.ok === false && line.issues).toEqual([
      { path: 'colour', reason: 'unknown field' },
      { path: '<unknown field name of 23 characters>', reason: 'unknown field' },
    ]);
  });
});
