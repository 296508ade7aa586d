/**
 * Where the CLI reads and writes. The real one is the process's streams; tests
 * pass one that records, so commands run in-process and are checked by output.
 */
export interface CliIo {
  /** A line on stdout. */
  out(text: string): void;
  /** A line on stderr. */
  err(text: string): void;
  /** A line that replaces itself (progress); shown only on a terminal. */
  status(text: string): void;
  /** Everything on stdin, for the `-` file argument. */
  readStdin(): Promise<string>;
}

export function processIo(): CliIo {
  const interactive = process.stderr.isTTY === true;
  let statusShown = false;
  const clearStatus = () => {
    if (statusShown) process.stderr.write('\r\x1b[2K');
    statusShown = false;
  };
  return {
    out(text) {
      clearStatus();
      process.stdout.write(`${text}\n`);
    },
    err(text) {
      clearStatus();
      process.stderr.write(`${text}\n`);
    },
    status(text) {
      if (!interactive) return;
      process.stderr.write(`\r\x1b[2K${text}`);
      statusShown = true;
    },
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
