import { type ChildProcess, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../cli/cli';
import { stackFilePath } from '../../../cli/local-run-file';
import { acquireRunLock, RUN_LOCK_FILE, RunDirectoryBusyError } from '../../../local/run/run-lock';
import { captureIo, endAll, ROOT, spawnCli, waitFor } from '../../support/cli-process';

const started: ChildProcess[] = [];
afterEach(() => endAll(started));

const newRunDir = () => mkdtempSync(join(tmpdir(), 'run-dir-'));
/** The pid of a process that has exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;
const eventLines = (runDir: string) =>
  readFileSync(join(runDir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '');

describe('the run directory lock', () => {
  it('is taken by the first run and refused to a second while the first lives, naming its pid', () => {
    // given a run directory locked by a live process other than this one
    const runDir = newRunDir();
    const first = acquireRunLock(runDir, process.ppid);
    // when this process asks for it
    // then it is refused, with the holder, the way out and the lock file named
    expect(() => acquireRunLock(runDir)).toThrow(RunDirectoryBusyError);
    expect(() => acquireRunLock(runDir)).toThrow(
      new RegExp(`^Another run \\(pid ${process.ppid}\\) is using the run directory .*--run-dir <dir>.*delete .*${RUN_LOCK_FILE}\\.$`),
    );
    // and once released, it can be taken
    first.release();
    acquireRunLock(runDir).release();
    expect(existsSync(join(runDir, RUN_LOCK_FILE))).toBe(false);
  });

  it('takes over a lock whose process is gone', () => {
    // given a lock left by a process that has exited
    const runDir = newRunDir();
    writeFileSync(join(runDir, RUN_LOCK_FILE), `${deadPid()}\n`);
    // when a run asks for the directory, then it gets it, and the lock holds its pid
    const lock = acquireRunLock(runDir);
    expect(readFileSync(lock.path, 'utf8').trim()).toBe(String(process.pid));
    lock.release();
  });

  it('releases only its own lock', () => {
    // given a lock another run took over after this one's
    const runDir = newRunDir();
    const mine = acquireRunLock(runDir);
    writeFileSync(mine.path, `${process.ppid}\n`);
    // when this run releases, then the other's lock stays
    mine.release();
    expect(readFileSync(join(runDir, RUN_LOCK_FILE), 'utf8').trim()).toBe(String(process.ppid));
  });
});

describe('two runs in one directory', () => {
  it('refuses the second start and leaves the first run, its events and its stack file as they were', async () => {
    // given a watching run that has published one event
    const runDir = newRunDir();
    const first = spawnCli(['start', '--watch', '--no-examples', '--run-dir', runDir, '--wait-time', '1'], started);
    await waitFor(() => first.output().includes('Ctrl-C stops everything.'), 'the first run to watch');
    const sent = captureIo();
    expect(await runCli(['enqueue', join(ROOT, 'examples/request.json'), '--run-dir', runDir], sent.io)).toBe(0);
    await waitFor(() => eventLines(runDir).length === 1, 'its event');
    const stackFile = readFileSync(stackFilePath(runDir), 'utf8');

    // when a second start is run in the same directory
    const second = captureIo();
    const code = await runCli(['start', '--no-examples', '--run-dir', runDir], second.io);

    // then it is refused, naming the first run's pid
    const firstPid = (JSON.parse(stackFile) as { pid: number }).pid;
    expect(code).toBe(3);
    expect(second.err.join('\n')).toMatch(new RegExp(`^start failed: RUN_DIRECTORY_BUSY: Another run \\(pid ${firstPid}\\)`));
    // and the first run's files are untouched, and enqueue still finds it
    expect(eventLines(runDir)).toHaveLength(1);
    expect(readFileSync(stackFilePath(runDir), 'utf8')).toBe(stackFile);
    const again = captureIo();
    expect(await runCli(['enqueue', join(ROOT, 'examples/request.json'), '--run-dir', runDir], again.io)).toBe(0);
    expect(again.out[0]).toContain(`(the local run, pid ${firstPid};`);
    await waitFor(() => eventLines(runDir).length === 2, 'the second event');
    first.child.kill('SIGINT');
    expect(await first.exit).toBe(0);
  });
});

describe('a run that cannot write its events', () => {
  it('stops and exits 3, saying so, instead of reporting success', async () => {
    // given a run directory whose events file is on a full device
    const runDir = newRunDir();
    symlinkSync('/dev/full', join(runDir, 'events.jsonl'));
    // when the examples run there
    const run = spawnCli(['start', '--run-dir', runDir, '--wait-time', '1'], started);
    const code = await run.exit;
    // then the run ends with exit code 3 and the reason, and claims no success
    expect(code).toBe(3);
    expect(run.output()).toMatch(/Cannot write the events file: ENOSPC: no space left on device.*Stopping the run/);
    expect(run.output()).not.toContain('reached their expected outcome');
    expect(run.output()).toContain('Stopped: queues, sandbox and stand-ins closed.');
  });
});
