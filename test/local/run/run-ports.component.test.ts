import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../cli/cli';
import { captureIo, endAll, spawnCli, waitFor } from '../../support/cli-process';

const started: ChildProcess[] = [];
afterEach(() => endAll(started));

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

/** A port n with n to n+3 free just now. */
async function fourFreePorts(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    if ((await isFree(base)) && (await isFree(base + 1)) && (await isFree(base + 2)) && (await isFree(base + 3))) return base;
  }
  throw new Error('no four free ports in a row');
}

describe('fixed ports', () => {
  it('puts SQS, the AWS stand-in, the sandbox and the ledger on n to n+3, and a second run on the same ports is refused naming the port', async () => {
    // given a run on fixed ports
    const port = await fourFreePorts();
    const run = spawnCli(
      ['start', '--watch', '--no-examples', '--port', String(port), '--run-dir', mkdtempSync(join(tmpdir(), 'ports-')), '--wait-time', '1'],
      started,
    );
    await waitFor(() => run.output().includes('Ctrl-C stops everything.'), 'the run to watch');
    // then its banner and its commands name those ports
    expect(run.output()).toContain(`queue          http://127.0.0.1:${port}/000000000000/fivetran-provisioner-requests`);
    expect(run.output()).toContain(`Secrets Manager  http://127.0.0.1:${port + 1} (local)`);
    expect(run.output()).toContain(`Fivetran API     http://127.0.0.1:${port + 2} (local)`);
    expect(run.output()).toContain(`Ledger           http://127.0.0.1:${port + 3} (local, dynalite)`);
    expect(run.output()).toContain(`--endpoint-url http://127.0.0.1:${port} `);

    // when a second run, in a directory of its own, asks for the same ports
    const second = captureIo();
    const code = await runCli(
      ['start', '--no-examples', '--port', String(port), '--run-dir', mkdtempSync(join(tmpdir(), 'ports-'))],
      second.io,
    );
    // then it is refused, naming the port and the way out, and the first run goes on
    expect(code).toBe(3);
    expect(second.err.join('\n')).toMatch(new RegExp(`^start failed: PORT_IN_USE: Port ${port} \\(SQS\\) is in use.*--port <n>`));
    expect(run.child.exitCode).toBeNull();
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
  });
});
