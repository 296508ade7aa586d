import type { CliIo } from './io';

/** Aborts on the first Ctrl-C, SIGTERM or loss of the parent process; a second signal exits at once. */
export interface Interrupts {
  signal: AbortSignal;
  dispose(): void;
}

/** How often the parent process is looked at: a stop takes at most this long to begin. */
const PARENT_CHECK_MS = 500;

/**
 * Listens for what ends a long-running command. Besides signals, the parent:
 * `npm start` runs the command under npm and a shell, and a SIGTERM to npm (a
 * supervisor's, an IDE's stop button, `timeout`) can end them without the
 * signal reaching this process. A process whose parent is gone is re-parented,
 * so a changed parent pid means whoever started the run has stopped it.
 */
export function listenForInterrupts(io: Pick<CliIo, 'err'>, parentPid: number = process.ppid): Interrupts {
  const controller = new AbortController();
  const stop = (why: string) => {
    if (controller.signal.aborted) return;
    io.err(`${why}: stopping${why === 'Interrupted' ? ' (Ctrl-C again to exit at once)' : ''}…`);
    controller.abort();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      io.err('Interrupted twice: exiting without a clean shutdown');
      process.exit(130);
    }
    stop(signal === 'SIGINT' ? 'Interrupted' : `${signal} received`);
  };
  const parentWatch = setInterval(() => {
    if (process.ppid !== parentPid) stop('The process that started this run is gone');
  }, PARENT_CHECK_MS);
  // The watch alone must not keep the process alive.
  parentWatch.unref();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      clearInterval(parentWatch);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', onSignal);
    },
  };
}
