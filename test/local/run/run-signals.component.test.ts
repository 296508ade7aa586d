import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type StackFile, stackFilePath } from '../../../cli/local-run-file';
import { RUN_LOCK_FILE } from '../../../local/run/run-lock';
import { endAll, isRunning, spawnCli, spawnCommand, waitFor } from '../../support/cli-process';

const started: ChildProcess[] = [];
afterEach(() => endAll(started));

const readStack = (runDir: string) => JSON.parse(readFileSync(stackFilePath(runDir), 'utf8')) as StackFile;

describe('stopping a local run from outside', () => {
  it('stops the CLI and the worker when npm itself gets SIGTERM, as a supervisor or an IDE sends it', async () => {
    // given `npm start -- --watch` running, with its CLI and worker processes
    const runDir = mkdtempSync(join(tmpdir(), 'run-signals-'));
    const npm = spawnCommand('npm', ['start', '--', '--watch', '--no-examples', '--run-dir', runDir, '--wait-time', '1'], started);
    await waitFor(() => npm.output().includes('Ctrl-C stops everything.'), 'the run to watch');
    const { pid: cliPid, workerPid } = readStack(runDir);
    expect(cliPid).not.toBe(npm.child.pid);

    // when npm, and only npm, is sent SIGTERM
    npm.child.kill('SIGTERM');

    // then the CLI and the worker both end, and the run directory is left free
    await waitFor(() => !isRunning(cliPid) && !isRunning(workerPid!), 'the CLI and the worker to exit', 20_000);
    expect(existsSync(stackFilePath(runDir))).toBe(false);
    expect(existsSync(join(runDir, RUN_LOCK_FILE))).toBe(false);
  });

  it('ends the worker on its own when the CLI is killed outright', async () => {
    // given a watching run
    const runDir = mkdtempSync(join(tmpdir(), 'run-signals-'));
    const run = spawnCli(['start', '--watch', '--no-examples', '--run-dir', runDir, '--wait-time', '1'], started);
    await waitFor(() => run.output().includes('Ctrl-C stops everything.'), 'the run to watch');
    const { workerPid } = readStack(runDir);
    // when the CLI is killed with no chance to stop anything
    run.child.kill('SIGKILL');
    await run.exit;
    // then the worker notices its parent is gone and exits
    await waitFor(() => !isRunning(workerPid!), 'the worker to exit', 20_000);
  });
});
