import { readFile } from 'node:fs/promises';
import type { CliIo } from './io';

/** One request read from a file, or why it could not be read; `where` names its place for messages. */
export type RequestEntry = { where: string; value: unknown } | { where: string; error: string };

/**
 * Reads requests from a file or stdin (`-`). A `.json` file holds one request
 * or an array of them; anything else is JSON Lines, one request a line, blank
 * lines skipped. Entries keep their line number (or array position).
 */
export async function readRequests(source: string, io: Pick<CliIo, 'readStdin'>): Promise<RequestEntry[]> {
  const text = source === '-' ? await io.readStdin() : await readFile(source, 'utf8');
  return source.endsWith('.json') ? parseJsonDocument(text) : parseJsonLines(text);
}

export function parseJsonLines(text: string): RequestEntry[] {
  const entries: RequestEntry[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `line ${index + 1}`;
    try {
      entries.push({ where, value: JSON.parse(line) });
    } catch (error) {
      entries.push({ where, error: `not JSON (${(error as Error).message})` });
    }
  });
  return entries;
}

export function parseJsonDocument(text: string): RequestEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return [{ where: 'file', error: `not JSON (${(error as Error).message})` }];
  }
  if (!Array.isArray(json)) return [{ where: 'file', value: json }];
  return json.map((value, index) => ({ where: `item ${index + 1}`, value }));
}
