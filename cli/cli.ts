import { existsSync, readFileSync } from 'node:fs';
import { FileError } from '../local/run/file-error';
import { closestName } from '../shared/runtime/closest-name';
import type { CliIo } from './io';
import {
  ENQUEUE_USAGE,
  EVENTS_USAGE,
  PROGRAM,
  ROTATE_USAGE,
  SCHEMA_USAGE,
  START_USAGE,
  STATUS_USAGE,
  USAGE,
  VALIDATE_USAGE,
} from './usage';
import { UsageError } from './usage-error';

type Command = (args: string[], io: CliIo) => Promise<number>;

/**
 * `start` runs the local stack from the repository's own sources (the sandbox, fauxqs, the worker through tsx),
 * so it works in a checkout only. Its module is named through a variable: the package build
 * (tsconfig.build.json) follows every literal import, and this keeps the local stack out of the package.
 */
const START_MODULE = './commands/start';
type StartModule = { startCommand: Command };
/**
 * `status` and `rotate` need the AWS SDK's DynamoDB and Secrets Manager clients, which the package does not depend
 * on (it ships the producer with the SQS client only): named through variables too, they run from a checkout.
 */
const STATUS_MODULE = './commands/status';
const ROTATE_MODULE = './commands/rotate';

/**
 * Each command is loaded only when it runs, so a command needs only its own
 * modules: `validate` works where `start`'s development dependencies (fauxqs,
 * ajv) were never installed (the installed package).
 */
const COMMANDS: Record<string, { usage: () => Promise<string>; load: () => Promise<Command> }> = {
  start: { usage: async () => START_USAGE, load: async () => ((await import(START_MODULE)) as StartModule).startCommand },
  enqueue: { usage: async () => ENQUEUE_USAGE, load: async () => (await import('./commands/enqueue')).enqueueCommand },
  validate: { usage: async () => VALIDATE_USAGE, load: async () => (await import('./commands/validate')).validateCommand },
  events: { usage: async () => EVENTS_USAGE, load: async () => (await import('./commands/events')).eventsCommand },
  schema: { usage: async () => SCHEMA_USAGE, load: async () => (await import('./commands/schema')).schemaCommand },
  redrive: {
    usage: async () => (await import('./commands/redrive')).REDRIVE_USAGE,
    load: async () => {
      const { runRedrive } = await import('./commands/redrive');
      return (args, io) => runRedrive(args, { stdout: io.out, stderr: io.err });
    },
  },
  status: {
    usage: async () => STATUS_USAGE,
    load: async () => ((await import(STATUS_MODULE)) as typeof import('./commands/status')).statusCommand,
  },
  rotate: {
    usage: async () => ROTATE_USAGE,
    load: async () => ((await import(ROTATE_MODULE)) as typeof import('./commands/rotate')).rotateCommand,
  },
};

const isHelpFlag = (arg: string) => arg === '--help' || arg === '-h';

/**
 * Runs one CLI command and returns its exit code: 0 done, 1 the command's
 * work fell short (an invalid or unsent request, a missed example), 2 a
 * command line it cannot act on, 3 a file or a service it needs cannot be
 * used (a missing request file, a bad secrets file, an unreachable queue, a
 * run directory in use), 4 what it names does not exist (status, rotate).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--version' || name === '-v' || name === 'version') {
    io.out(`fivetran-provisioner ${packageVersion()} (Node.js ${process.version})`);
    return 0;
  }
  if (name === undefined || isHelpFlag(name)) {
    io.out(USAGE);
    return 0;
  }
  if (name === 'help') {
    const topic = args[0];
    if (topic === undefined) {
      io.out(USAGE);
      return 0;
    }
    const entry = COMMANDS[topic];
    if (entry === undefined) return unknownCommand(topic, io);
    io.out(await entry.usage());
    return 0;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) return unknownCommand(name, io);
  if (args.some(isHelpFlag)) {
    io.out(await entry.usage());
    return 0;
  }

  let command: Command;
  try {
    command = await entry.load();
  } catch (error) {
    io.err(cannotLoad(name, error));
    return 3;
  }
  try {
    return await command(args, io);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      io.err(`${await withOptionHint(message, entry)}\nRun "${PROGRAM} ${name} --help" for its options.`);
      return 2;
    }
    if (error instanceof FileError) {
      io.err(`${name}: ${message}`);
      return 3;
    }
    // A coded error says what failed in its code; Node's own errors already start their message with it.
    const prefix = typeof code === 'string' && !message.startsWith(code) ? `${code}: ` : '';
    io.err(`${name} failed: ${prefix}${message}`);
    return 3;
  }
}

function unknownCommand(name: string, io: CliIo): number {
  const suggestion = closestName(name, Object.keys(COMMANDS));
  io.err(
    `Unknown command "${name}".${suggestion ? ` Did you mean "${suggestion}"?` : ''}\n` +
      `Commands: ${Object.keys(COMMANDS).join(', ')}, help. Run "${PROGRAM} help" for what each does.`,
  );
  return 2;
}

/** "Unknown option '--wach'. Did you mean --watch?" for an unknown option close to one the command's help lists. */
async function withOptionHint(message: string, entry: (typeof COMMANDS)[string]): Promise<string> {
  const unknown = /^Unknown option '(--[^']+)'/.exec(message)?.[1];
  if (unknown === undefined) return message;
  const known = [...new Set((await entry.usage()).match(/--[a-z][a-z-]*/g) ?? [])];
  const suggestion = closestName(unknown, known);
  return suggestion ? `Unknown option '${unknown}'. Did you mean ${suggestion}?` : message;
}

/** A command whose modules cannot be loaded: the installed package (no `start`), or a checkout without its development dependencies. */
function cannotLoad(name: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const missing = /Cannot find (?:package|module) '([^']+)'/.exec(message)?.[1];
  if ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' && missing !== undefined) {
    if (!/^[./]|^file:/.test(missing)) {
      return (
        `${name} needs the package "${missing}", which is not installed. It is a development dependency: ` +
        `install them all with "npm ci" in a checkout of the repository (the installed package runs validate, enqueue, events, schema and redrive).`
      );
    }
    if (name === 'start' && /[/\\]cli[/\\]commands[/\\]start(?:\.js)?$/.test(missing)) {
      return (
        'start runs the provisioner and its local stand-ins from a checkout of the repository ("npm ci", then "npm start" there); ' +
        'the installed package ships validate, enqueue, events, schema and redrive.'
      );
    }
    if ((name === 'status' || name === 'rotate') && new RegExp(`[/\\\\]cli[/\\\\]commands[/\\\\]${name}(?:\\.js)?$`).test(missing)) {
      return (
        `${name} reads the ledger and Secrets Manager with AWS SDK clients the installed package leaves out: run it from a checkout ` +
        `of the repository ("npm ci", then "npm run cli -- ${name}" there); the installed package ships validate, enqueue, events, schema and redrive.`
      );
    }
  }
  return `${name} could not be loaded: ${message}`;
}

/** The version in the nearest package.json above this module: cli/ in a checkout, dist/cli/ in the installed package. */
function packageVersion(): string {
  for (let directory = new URL('.', import.meta.url); ; ) {
    const file = new URL('package.json', directory);
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
    const parent = new URL('..', directory);
    if (parent.href === directory.href) return 'unknown';
    directory = parent;
  }
}
