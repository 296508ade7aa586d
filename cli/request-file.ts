import { readFile } from 'node:fs/promises';
import { FileError, fileErrorReason } from '../local/run/file-error';
import type { CliIo } from './io';
import { userPath } from './user-path';

/** One request read from a file, or why it could not be read; `where` names its place for messages. */
export type RequestEntry = { where: string; value: unknown } | { where: string; error: string };

/**
 * Reads requests from a file or stdin (`-`). A `.json` file holds one request
 * or an array of them; anything else is JSON Lines, one request a line, blank
 * lines skipped. Entries keep their line number (or array position); a file of
 * one request is named by its path. A file that cannot be read is a FileError.
 */
export async function readRequests(source: string, io: Pick<CliIo, 'readStdin'>): Promise<RequestEntry[]> {
  let text: string;
  try {
    text = source === '-' ? await io.readStdin() : await readFile(userPath(source), 'utf8');
  } catch (error) {
    throw new FileError(`cannot read ${source}: ${fileErrorReason(error)}`, { cause: error });
  }
  return source.endsWith('.json') ? parseJsonDocument(text, source) : parseJsonLines(text);
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

/** `name` is how messages call the file: its path as given. */
export function parseJsonDocument(text: string, name: string): RequestEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return [{ where: name, error: `not JSON (${(error as Error).message})` }];
  }
  if (!Array.isArray(json)) return [{ where: name, value: json }];
  return json.map((value, index) => ({ where: `${name} item ${index + 1}`, value }));
}
