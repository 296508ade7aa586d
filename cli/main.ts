/**
 * The CLI's entry point (`npm start`, `npx fivetran-provisioner`). The exit
 * code is set, not forced: a clean shutdown lets the process end on its own,
 * and a process that does not end is a bug the local-stack tests catch.
 */
const emitWarning = process.emitWarning.bind(process);
// fauxqs loads node:sqlite, whose experimental-feature warning would be the first line a newcomer reads.
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (String(warning).startsWith('SQLite is an experimental feature')) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

// A reader that stops early (`| head`) closes the pipe: the output has ended, which is no error to report.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

// Imported after the filter is in place: fauxqs is loaded with the commands.
const [{ runCli }, { processIo }] = await Promise.all([import('./cli'), import('./io')]);
process.exitCode = await runCli(process.argv.slice(2), processIo());

export {};
