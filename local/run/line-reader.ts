import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface LineReader {
  /** Calls `each` with every complete line added since the last read (blank lines skipped). */
  read(each: (line: string, lineNumber: number) => void): void;
}

/**
 * Reads the lines added to a file since the last read. A file that shrank was
 * started again (a new run), so reading starts over; a line still being
 * written (no newline yet) waits for the next read. A file not there yet
 * reads as empty; any other error is thrown as `onError` makes it.
 */
export function lineReader(
  path: string,
  onError: (error: unknown) => Error = (error) => (error instanceof Error ? error : new Error(String(error))),
): LineReader {
  let offset = 0;
  let lineNumber = 0;
  let partial = '';
  // A character split between two reads is completed by the next one.
  let decoder = new StringDecoder('utf8');
  return {
    read(each) {
      let size: number;
      try {
        size = statSync(path).size;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw onError(error);
      }
      if (size < offset) {
        offset = 0;
        lineNumber = 0;
        partial = '';
        decoder = new StringDecoder('utf8');
      }
      if (size === offset) return;
      const buffer = Buffer.alloc(size - offset);
      const fd = openSync(path, 'r');
      try {
        readSync(fd, buffer, 0, buffer.length, offset);
      } finally {
        closeSync(fd);
      }
      offset = size;
      const lines = (partial + decoder.write(buffer)).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        lineNumber += 1;
        if (line.trim() !== '') each(line, lineNumber);
      }
    },
  };
}
