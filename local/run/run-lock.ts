import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One `start` at a time per run directory: a second one would empty the first
 * one's events file and replace its stack file, and `enqueue` would lose the
 * running pipeline. The lock is a file holding the owner's pid, created
 * atomically (written aside, then hard-linked into place, so nobody ever reads
 * it half-written); a lock whose process is gone is stale and taken over.
 */

export const RUN_LOCK_FILE = 'run.lock';

/** Another run holds the directory; the message names its pid and what to do. */
export class RunDirectoryBusyError extends Error {
  override readonly name = 'RunDirectoryBusyError';
  readonly code = 'RUN_DIRECTORY_BUSY';
}

export interface RunLock {
  readonly path: string;
  /** Removes the lock if it is still this process's. */
  release(): void;
}

export function acquireRunLock(runDir: string, pid: number = process.pid): RunLock {
  const path = join(runDir, RUN_LOCK_FILE);
  const pending = `${path}.${pid}.new`;
  writeFileSync(pending, `${pid}\n`);
  try {
    // Two tries: the second after taking over a stale lock.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        linkSync(pending, path);
        return { path, release: () => releaseIfOwned(path, pid) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = readOwner(path);
      if (owner !== undefined && owner !== pid && isAlive(owner)) throw busy(runDir, path, owner);
      takeOverStale(path, owner, pid);
    }
    throw busy(runDir, path, readOwner(path));
  } finally {
    rmSync(pending, { force: true });
  }
}

/**
 * Moves the stale lock aside, then checks that what was moved is the lock
 * that was judged stale: a run that took it over in between keeps its lock.
 */
function takeOverStale(path: string, staleOwner: number | undefined, pid: number): void {
  const aside = `${path}.${pid}.stale`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readOwner(aside);
  if (moved !== staleOwner && moved !== undefined && isAlive(moved)) {
    try {
      linkSync(aside, path);
    } catch {
      // A third run took the place meanwhile; it holds the directory now, and the next try says so.
    }
  }
  rmSync(aside, { force: true });
}

function releaseIfOwned(path: string, pid: number): void {
  if (readOwner(path) === pid) rmSync(path, { force: true });
}

function readOwner(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function busy(runDir: string, path: string, owner: number | undefined): RunDirectoryBusyError {
  return new RunDirectoryBusyError(
    `Another run (pid ${owner ?? 'unknown'}) is using the run directory ${runDir}. Stop it first, or give this run ` +
      `a directory of its own with --run-dir <dir>. If no such run exists, delete ${path}.`,
  );
}

/** Whether a process with this pid exists; EPERM means it does, under another user. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
