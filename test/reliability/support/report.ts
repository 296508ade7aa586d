import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Prints a result table so CI shows it, and, when RELIABILITY_REPORT_DIR is
 * set, also writes it there as `<name>.md`, to paste into the README from a
 * real run.
 */
export function publishTable(name: string, title: string, markdown: string): void {
  const text = `### ${title}\n\n${markdown}\n`;
  console.log(`\n${text}`);
  const dir = process.env.RELIABILITY_REPORT_DIR;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.md`), text);
  }
}
