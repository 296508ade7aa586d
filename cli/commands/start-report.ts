import { relative } from 'node:path';
import { awsCliCommands, putSecretValueCommand } from '../../local/run/aws-cli-commands';
import type { LocalStack } from '../../local/run/local-stack';
import {
  DEPLOYED_VISIBILITY_TIMEOUT_SECONDS,
  LOCAL_REQUEST_FILE,
  LOCAL_ROTATED_CREDENTIALS_FILE,
  ROTATED_SECRET_NAME,
} from '../../local/run/settings';
import type { CliIo } from '../io';
import { PROGRAM } from '../usage';

/**
 * What `start` prints about the running stack: where each part listens, the
 * local world a request must fit (the sandbox's groups, the secrets and the
 * credentials prefix, all read from the running stack), and, when it keeps
 * running, the commands that feed it from another terminal.
 */
export function printBanner(stack: LocalStack, io: CliIo): void {
  const where = (isLocal: boolean, endpoint: string) => `${endpoint}${isLocal ? ' (local)' : ''}`;
  io.out(`  SQS              ${where(stack.local.sqs, stack.endpoints.sqs)}`);
  io.out(`    queue          ${stack.queueUrl}`);
  io.out(`    dead-letter    ${stack.dlqUrl ?? '(none)'}  after ${stack.maxReceiveCount} receives`);
  io.out(
    `    visibility     ${stack.visibilityTimeoutSeconds} s${stack.local.sqs ? ` (deployed: ${DEPLOYED_VISIBILITY_TIMEOUT_SECONDS} s; short here so retries show within the run)` : ''}`,
  );
  io.out(
    `  Fivetran API     ${where(stack.local.fivetran, stack.endpoints.fivetran)}${stack.local.fivetran ? ` sandbox, groups: ${stack.sandboxGroups.join(', ')}` : ''}`,
  );
  io.out(
    `  Secrets Manager  ${where(stack.local.secrets, stack.endpoints.secretsManager)}${stack.secretsFile ? `  secrets from ${shown(stack.secretsFile)}` : ''}`,
  );
  if (stack.local.secrets) {
    const { fivetranApiSecretId, credentialsSecretPrefix } = stack.config;
    const credentials = stack.secretNames.filter((name) => name.startsWith(credentialsSecretPrefix));
    const others = stack.secretNames.filter((name) => name !== fivetranApiSecretId && !credentials.includes(name));
    io.out(`    API key        ${fivetranApiSecretId}`);
    const rule =
      stack.config.credentialsScope === 'group'
        ? `a request may name only those under ${credentialsSecretPrefix}<its group_id>/`
        : `credentialsSecretId must start with ${credentialsSecretPrefix}`;
    io.out(`    credentials    ${credentials.join(', ') || '(none)'}  (${rule})`);
    if (others.length > 0) io.out(`    other          ${others.join(', ')}  (outside the prefix: refused as credentials)`);
  }
  io.out(`  EventBridge      ${where(stack.local.events, stack.endpoints.eventBridge)}  bus ${stack.config.eventBusName}`);
  io.out(
    stack.ledger
      ? `  Ledger           ${stack.ledger.endpoint} (local, dynalite)  table ${stack.ledger.tableName}`
      : `  Ledger           ${stack.config.ledgerTableName === undefined ? '(none: lifecycle requests fail with LEDGER_NOT_CONFIGURED)' : `table ${stack.config.ledgerTableName}, as the SDK resolves DynamoDB`}`,
  );
  io.out('  Worker           functions/provision handler, fed by a local SQS event source mapping');
  if (stack.rotation)
    io.out("  Rotation         functions/rotation handler, in the worker's process, invoked with Secret Label Updated events");
}

export function printWatchHelp(stack: LocalStack, runDir: string | undefined, io: CliIo): void {
  const runDirOption = runDir === undefined ? '' : ` --run-dir ${shown(runDir)}`;
  io.out('');
  io.out(`Watching ${stack.queueUrl}. From another terminal, in this directory:`);
  io.out(`  ${PROGRAM} enqueue examples/more-requests.jsonl${runDirOption}`);
  io.out(`  ${PROGRAM} events --follow${runDirOption}`);
  if (stack.local.sqs) {
    const [, , , region] = stack.queueArn.split(':');
    const commands = awsCliCommands(
      { endpoint: stack.endpoints.sqs, region: region ?? 'us-east-1', queueUrl: stack.queueUrl, dlqUrl: stack.dlqUrl },
      shown(LOCAL_REQUEST_FILE),
    );
    io.out('With the AWS CLI (no credentials needed):');
    io.out(`  ${commands.sendMessage}`);
    if (commands.receiveDeadLetters !== undefined) {
      io.out(`  ${commands.receiveDeadLetters}`);
      io.out(`Redrive the dead letters: ${PROGRAM} redrive --dlq ${stack.dlqUrl}`);
    }
  }
  if (stack.rotation && stack.secretNames.includes(ROTATED_SECRET_NAME)) {
    const [, , , region] = stack.queueArn.split(':');
    io.out('Rotate a credentials secret (every connection using it gets the new version):');
    io.out(`  ${PROGRAM} rotate ${ROTATED_SECRET_NAME} ${shown(LOCAL_ROTATED_CREDENTIALS_FILE)}${runDirOption}`);
    io.out(
      `  or ${putSecretValueCommand({ endpoint: stack.endpoints.secretsManager, region: region ?? 'us-east-1' }, ROTATED_SECRET_NAME, shown(LOCAL_ROTATED_CREDENTIALS_FILE))}`,
    );
  }
  io.out('Ctrl-C stops everything.');
}

/** A path as the user would type it from where they started the command: relative below it, else absolute. */
export function shown(path: string): string {
  const relativePath = relative(process.env.INIT_CWD ?? process.cwd(), path);
  return relativePath.startsWith('..') || relativePath === '' ? path : relativePath;
}
