import { enqueueCommand } from './commands/enqueue';
import { REDRIVE_USAGE, runRedrive } from './commands/redrive';
import { schemaCommand } from './commands/schema';
import { startCommand } from './commands/start';
import { validateCommand } from './commands/validate';
import type { CliIo } from './io';
import { USAGE } from './usage';
import { UsageError } from './usage-error';

const COMMANDS: Record<string, (args: string[], io: CliIo) => Promise<number>> = {
  start: startCommand,
  enqueue: enqueueCommand,
  validate: validateCommand,
  schema: schemaCommand,
  redrive: (args, io) => runRedrive(args, { stdout: io.out, stderr: io.err }),
};

/** Commands whose options have a help text of their own. */
const COMMAND_USAGE: Record<string, string> = { redrive: REDRIVE_USAGE };

/**
 * Runs one CLI command and returns its exit code: 0 done, 1 the command's
 * work fell short (an invalid or unsent request, a missed example), 2 a
 * command line it cannot act on, 3 a failure to start (a bad secrets file,
 * an unreachable queue).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  const helpFlag = (arg: string) => arg === '--help' || arg === '-h';
  if (name === undefined || name === 'help' || helpFlag(name) || args.some(helpFlag)) {
    io.out((name !== undefined && COMMAND_USAGE[name]) || USAGE);
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.err(`Unknown command "${name}".\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command(args, io);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      io.err(`${(error as Error).message}\nRun "npx fivetran-provisioner help" for the options.`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(`${name} failed: ${typeof code === 'string' ? `${code}: ` : ''}${message}`);
    return 3;
  }
}
