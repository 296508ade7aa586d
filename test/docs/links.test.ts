import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli-process';

/** The pages a reader follows from the README: the README, every page under docs/, and the READMEs beside the code. */
function pages(): string[] {
  const inDocs = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? inDocs(join(dir, entry.name)) : entry.name.endsWith('.md') ? [join(dir, entry.name)] : [],
    );
  return [join(ROOT, 'README.md'), ...inDocs(join(ROOT, 'docs')), join(ROOT, 'cli/README.md'), join(ROOT, 'local/README.md')];
}

/** The text outside fenced code blocks, where a `](` is code, not a link. */
function prose(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').filter((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; a repeated heading gets -1, -2, … */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const line of prose(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    found.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return found;
}

/** Every relative link of a page that points to no file, or to a heading its target page does not have. */
function brokenLinks(file: string, markdown: string): string[] {
  const broken: string[] = [];
  for (const line of prose(markdown)) {
    const outsideCode = line.replace(/`[^`]*`/g, '``');
    for (const match of outsideCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const [path, anchor] = target.split('#', 2) as [string, string | undefined];
      if (path === '') {
        if (!anchors(markdown).has(anchor!)) broken.push(`${target}: this page has no such heading`);
        continue;
      }
      const resolved = resolve(dirname(file), decodeURIComponent(path));
      if (!existsSync(resolved)) {
        broken.push(`${target}: no such file`);
        continue;
      }
      if (
        anchor !== undefined &&
        resolved.endsWith('.md') &&
        statSync(resolved).isFile() &&
        !anchors(readFileSync(resolved, 'utf8')).has(anchor)
      ) {
        broken.push(`${target}: ${relative(ROOT, resolved)} has no heading #${anchor}`);
      }
    }
  }
  return broken;
}

describe('the documentation', () => {
  it.each(pages().map((file) => [relative(ROOT, file), file] as const))(
    '%s: every relative link leads to a file, and to a heading it has',
    (_name, file) => {
      expect(brokenLinks(file, readFileSync(file, 'utf8'))).toEqual([]);
    },
  );

  it('finds a link to a missing file, a missing heading, and ignores links inside code', () => {
    // given a page with good links, three broken ones and link-shaped text in code
    const page = join(ROOT, 'docs/page.md');
    const text = [
      '# Page',
      'See [contracts](contracts.md#error-codes), [gone](gone.md), [no heading](contracts.md#no-such-heading), [here](#page) and [not here](#elsewhere).',
      'In code: `[x](nowhere.md)`',
      '```',
      '[y](nowhere.md)',
      '```',
    ].join('\n');

    // when it is checked, then exactly the three broken links are reported
    expect(brokenLinks(page, text)).toEqual([
      'gone.md: no such file',
      'contracts.md#no-such-heading: docs/contracts.md has no heading #no-such-heading',
      '#elsewhere: this page has no such heading',
    ]);
  });

  it('keeps the README a front door: at most 220 lines, linking every page under docs/', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(220);
    const docs = pages().filter((file) => file.startsWith(`${join(ROOT, 'docs')}/`) && !file.includes('/reports/'));
    const linked = docs.filter((file) => readme.includes(`](${relative(ROOT, file)}`));
    expect(linked.map((file) => relative(ROOT, file))).toEqual(docs.map((file) => relative(ROOT, file)));
  });
});
