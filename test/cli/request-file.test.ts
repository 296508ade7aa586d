import { describe, expect, it } from 'vitest';
import { parseJsonDocument, parseJsonLines } from '../../cli/request-file';

describe('reading request files', () => {
  it('numbers JSON Lines by their line in the file, skipping blank lines', () => {
    const entries = parseJsonLines('{"a":1}\r\n\n  \n{"b":2}\n{oops\n');
    expect(entries).toEqual([
      { where: 'line 1', value: { a: 1 } },
      { where: 'line 4', value: { b: 2 } },
      { where: 'line 5', error: expect.stringMatching(/^not JSON/) },
    ]);
  });

  it('reads a .json file as one request named by the file, or an array of them numbered by position', () => {
    expect(parseJsonDocument('{"a":1}', 'team-a.json')).toEqual([{ where: 'team-a.json', value: { a: 1 } }]);
    expect(parseJsonDocument('[{"a":1},{"b":2}]', 'batch.json')).toEqual([
      { where: 'batch.json item 1', value: { a: 1 } },
      { where: 'batch.json item 2', value: { b: 2 } },
    ]);
    expect(parseJsonDocument('[', 'broken.json')).toEqual([{ where: 'broken.json', error: expect.stringMatching(/^not JSON/) }]);
  });
});
