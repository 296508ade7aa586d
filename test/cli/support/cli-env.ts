import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../cli/cli';
import { type StackFile, writeStackFile } from '../../../cli/local-run-file';
import { captureIo } from '../../support/cli-process';

/** Variables a deployment would set that a test run must not inherit from another test. */
const COMMAND_VARIABLES = [
  'LEDGER_TABLE_NAME',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  'FIVETRAN_API_SECRET_ID',
  'FIVETRAN_API_URL',
  'CREDENTIALS_SECRET_PREFIX',
];

/**
 * Runs a CLI command in-process with these variables set (undefined: unset)
 * and the command's other variables unset, as an operator's shell would have
 * them; puts the environment back after.
 */
export async function runWithEnv(argv: string[], variables: Record<string, string | undefined>, stdin = '') {
  const previous = new Map(COMMAND_VARIABLES.concat(Object.keys(variables)).map((name) => [name, process.env[name]]));
  for (const name of COMMAND_VARIABLES) delete process.env[name];
  for (const [name, value] of Object.entries(variables)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  const captured = captureIo(stdin);
  try {
    const code = await runCli(argv, captured.io);
    return { code, out: captured.out.join('\n'), err: captured.err.join('\n') };
  } finally {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** A run directory holding the stack file of a `start --watch` that runs in this process (its pid is alive). */
export function runDirWithStack(fields: Partial<StackFile>): string {
  const runDir = mkdtempSync(join(tmpdir(), 'cli-run-'));
  writeStackFile(runDir, {
    queueUrl: 'http://127.0.0.1:9/000000000000/fivetran-provisioner-requests',
    region: 'us-east-1',
    eventsFile: join(runDir, 'events.jsonl'),
    pid: process.pid,
    ...fields,
  });
  return runDir;
}

/**
 * An AWS environment with no region anywhere the SDK looks: no region
 * variable or profile, and empty shared config and credentials files, so the
 * machine's own ~/.aws cannot lend one.
 */
export function withoutRegion(): Record<string, string | undefined> {
  return {
    AWS_REGION: undefined,
    AWS_DEFAULT_REGION: undefined,
    AWS_PROFILE: undefined,
    AWS_CONFIG_FILE: tempFile('config', ''),
    AWS_SHARED_CREDENTIALS_FILE: tempFile('credentials', ''),
  };
}

/** A file in a fresh directory. */
export function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cli-file-')), name);
  writeFileSync(path, text);
  return path;
}
