import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExamplesError, loadExamples } from '../../../local/run/examples';
import { lifecycleWaves } from '../../../local/run/run-examples';
import { ROOT } from '../../support/cli-process';

/** A directory of examples: the manifest and one file per request. */
function examplesDir(entries: Array<{ file: string; expect: string; fault?: unknown; request: unknown }>): string {
  const dir = mkdtempSync(join(tmpdir(), 'examples-'));
  writeFileSync(
    join(dir, 'examples.json'),
    JSON.stringify({ examples: entries.map(({ file, expect, fault }) => ({ file, title: file, expect, ...(fault ? { fault } : {}) })) }),
  );
  for (const entry of entries) writeFileSync(join(dir, entry.file), JSON.stringify(entry.request));
  return dir;
}
const create = { requestId: 'c-1', connection: { group_id: 'g', service: 'gitlab', config: { schema: 's' } } };
const pause = (requestId: string, target: unknown) => ({ requestId, action: 'pause', target });

describe('the examples npm start sends', () => {
  it('reads each example as a create or a lifecycle action on the target its request names', () => {
    // given a create and a pause of its connection
    const dir = examplesDir([
      { file: 'create.json', expect: 'created', request: create },
      { file: 'pause.json', expect: 'paused', request: pause('p-1', { requestId: 'c-1' }) },
    ]);
    // when they are loaded
    const [created, paused] = loadExamples(dir);
    // then the create has no target, and the pause names the create's request as its target
    expect(created).toMatchObject({ action: 'create', expect: 'created' });
    expect(created).not.toHaveProperty('targetKey');
    expect(paused).toMatchObject({ action: 'pause', targetKey: '{"requestId":"c-1"}', expect: 'paused' });
  });

  it('refuses a fault on a lifecycle example, since faults are met at the create route', () => {
    const dir = examplesDir([
      { file: 'pause.json', expect: 'paused', fault: { kind: 'drop' }, request: pause('p-1', { requestId: 'c-1' }) },
    ]);
    expect(() => loadExamples(dir)).toThrow(ExamplesError);
    expect(() => loadExamples(dir)).toThrow(/only a create example can have one/);
  });

  it('holds in examples/ a lifecycle example of each kind the tour shows, each after the create it targets', () => {
    // given the examples npm start sends
    const examples = loadExamples(join(ROOT, 'examples'));
    const position = (requestId: string) => examples.findIndex((example) => example.requestId === requestId);
    // then an update, a pause and a decommission follow the creates they name
    expect(examples.filter((example) => example.action !== 'create').map((example) => [example.action, example.expect])).toEqual([
      ['update', 'updated'],
      ['pause', 'paused'],
      ['decommission', 'CONFIRMATION_MISMATCH'],
      ['decommission', 'deleted'],
    ]);
    const targets = examples.flatMap((example, index) => {
      const target = (example.request as { target?: { requestId?: string } }).target?.requestId;
      return target === undefined ? [] : [{ index, at: position(target) }];
    });
    expect(targets).toHaveLength(4);
    for (const { index, at } of targets) {
      expect(at).toBeGreaterThanOrEqual(0);
      expect(at).toBeLessThan(index);
    }
  });
});

describe('the waves lifecycle examples are sent in', () => {
  it('sends requests on different connections together and requests on one connection one after the other, in order', () => {
    // given two requests on connection A, one on B, and a third on A
    const run = (name: string, target: string) => ({ name, example: { targetKey: target } });
    const runs = [run('a1', 'A'), run('b1', 'B'), run('a2', 'A'), run('a3', 'A')];
    // when they are put in waves
    const waves = lifecycleWaves(runs).map((wave) => wave.map((entry) => entry.name));
    // then A's go one a wave, in manifest order, and B's goes with A's first
    expect(waves).toEqual([['a1', 'b1'], ['a2'], ['a3']]);
  });

  it('makes no wave when there is nothing to send', () => {
    expect(lifecycleWaves([])).toEqual([]);
  });
});
