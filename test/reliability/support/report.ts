import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';

/**
 * Prints a result table so CI shows it. When RELIABILITY_REPORT names a Markdown file
 * (`npm run report:reliability` sets docs/reports/reliability.md), the table is also written there as
 * the section `name`, replacing that section of an earlier run and keeping the others: the figures in
 * the report are always those of a real run, and no document has to paste them.
 */
export function publishTable(name: string, title: string, markdown: string): void {
  const text = `### ${title}\n\n${markdown}\n`;
  console.log(`\n${text}`);
  const file = process.env.RELIABILITY_REPORT;
  if (file) writeSection(file, name, `${text}\n${provenance()}\n`);
}

export const REPORT_HEADER = [
  '# Reliability report',
  '',
  'Written by `npm run report:reliability` from its own run: each section is replaced by the next run of its test file;',
  'do not edit it by hand. What the checks mean, and the bounds they hold the worker to: [reliability.md](../reliability.md).',
  '',
].join('\n');

const SECTION_NAME = /^[a-z0-9-]+$/;

/**
 * `report` with the section `name` set to `body`. Sections are kept in name order, so the file does not
 * change with the order in which test files finish; anything outside the sections is replaced by the header.
 */
export function withSection(report: string, name: string, body: string): string {
  if (!SECTION_NAME.test(name)) throw new Error(`a report section name is lowercase letters, digits and -, not "${name}"`);
  const sections = new Map<string, string>();
  for (const match of report.matchAll(/<!-- begin ([a-z0-9-]+) -->\n([\s\S]*?)<!-- end \1 -->\n/g)) sections.set(match[1]!, match[2]!);
  sections.set(name, body.endsWith('\n') ? body : `${body}\n`);
  const ordered = [...sections.keys()].sort().map((key) => `<!-- begin ${key} -->\n${sections.get(key)}<!-- end ${key} -->\n`);
  return [REPORT_HEADER, ...ordered].join('\n');
}

function provenance(): string {
  const cpu = cpus();
  const machine = cpu.length === 0 ? 'an unknown machine' : `${cpu.length} × ${cpu[0]!.model.trim()}`;
  return `Run ${new Date().toISOString()} with Node.js ${process.version} on ${machine}.`;
}

const LOCK_WAIT_MS = 10_000;
const STALE_LOCK_MS = 60_000;

/** Test files run in parallel workers; a lock file keeps two of them from each writing back what it read before the other wrote. */
function writeSection(file: string, name: string, body: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const lock = `${file}.lock`;
  const until = Date.now() + LOCK_WAIT_MS;
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      fd = openSync(lock, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockAge(lock) > STALE_LOCK_MS) unlinkSync(lock);
      else if (Date.now() > until)
        throw new Error(
          `${lock} is held by another writer for more than ${LOCK_WAIT_MS / 1000} s; remove it if no run is writing the report`,
        );
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
  try {
    const before = readIfThere(file);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, withSection(before, name, body));
    renameSync(temporary, file);
  } finally {
    closeSync(fd);
    unlinkSync(lock);
  }
}

function lockAge(lock: string): number {
  try {
    return Date.now() - statSync(lock).mtimeMs;
  } catch {
    return 0;
  }
}

function readIfThere(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}
