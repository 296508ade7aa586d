import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { PutSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { FileError, fileErrorReason } from '../../local/run/file-error';
import { DEFAULT_RUN_DIR } from '../../local/run/settings';
import { AWS_CLIENT_TIMEOUTS, isTimeUp, untilDeadline } from '../../shared/aws/aws-calls';
import { deadlineAt } from '../../shared/runtime/retry';
import { requireRegion, resolveSecretsManager } from '../aws-target';
import { credentialsFileProblems } from '../credentials-file';
import { overrideEnv } from '../env-overrides';
import type { CliIo } from '../io';
import { PROGRAM } from '../usage';
import { positiveIntFlag, UsageError } from '../usage-error';
import { userPath } from '../user-path';

const DEFAULT_TIMEOUT_SECONDS = 30;

/** The part of a secret ARN after `:secret:` is its name (and a six-character suffix that does not change a prefix check). */
const nameOf = (secretId: string) => /^arn:[^:]+:secretsmanager:[^:]*:\d*:secret:(.+)$/.exec(secretId)?.[1] ?? secretId;

/**
 * `rotate <secretName> <file|->`: checks the credentials file, then puts it as
 * the secret's new AWSCURRENT version (PutSecretValue), which makes Secrets
 * Manager (or the local run's stand-in) send `Secret Label Updated`, and the
 * rotation fan-out re-apply it to every connection using the secret. The
 * file's values are never printed or logged. Exit 0 done, 1 the file is not a
 * credentials file, 2 a command line it cannot act on (a name outside the
 * credentials prefix), 3 the file or Secrets Manager cannot be used, 4 no
 * such secret.
 */
export async function rotateCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { aws: { type: 'boolean', default: false }, 'run-dir': { type: 'string' }, timeout: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const [secretId, source] = positionals;
  if (secretId === undefined || source === undefined || positionals.length > 2 || secretId === '') {
    throw new UsageError('rotate takes a secret name and a credentials file (or - for stdin)');
  }
  const deadline = deadlineAt(
    Date.now() + 1_000 * (positiveIntFlag('timeout', values.timeout, 1, 900) ?? DEFAULT_TIMEOUT_SECONDS),
    Date.now,
  );
  const target = resolveSecretsManager(
    values['run-dir'] === undefined ? DEFAULT_RUN_DIR : userPath(values['run-dir']),
    process.env,
    values.aws,
  );
  await requireRegion(target, 'rotate');
  const prefix = process.env.CREDENTIALS_SECRET_PREFIX || target.stack?.credentialsSecretPrefix;
  if (prefix !== undefined && !nameOf(secretId).startsWith(prefix)) {
    throw new UsageError(
      `${secretId} is not a credentials secret: its name must start with ${prefix} (the connections' secrets live there)`,
    );
  }

  let text: string;
  try {
    text = source === '-' ? await io.readStdin() : await readFile(userPath(source), 'utf8');
  } catch (error) {
    throw new FileError(`cannot read ${source}: ${fileErrorReason(error)}`, { cause: error });
  }
  const problems = credentialsFileProblems(text);
  if (problems.length > 0) {
    io.err(`rotate refused ${source}, nothing was stored: ${problems.join('; ')}`);
    return 1;
  }

  const endpoint = overrideEnv(target.env);
  const client = new SecretsManagerClient(AWS_CLIENT_TIMEOUTS);
  let versionId: string | undefined;
  let name: string | undefined;
  try {
    const answer = await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: text }), untilDeadline(deadline));
    versionId = answer.VersionId;
    name = answer.Name;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) {
      io.err(`rotate: Secrets Manager${target.note} has no secret ${secretId}; nothing was stored`);
      return 4;
    }
    if (isTimeUp(error)) {
      // The call may have reached Secrets Manager before its answer was lost: say how to find out.
      io.err(
        `rotate failed: PutSecretValue on ${secretId}${target.note}: no answer in time; a new version may or may not be current ` +
          `(aws secretsmanager describe-secret --secret-id ${secretId} shows which is)`,
      );
      return 3;
    }
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    io.err(`rotate failed: PutSecretValue on ${secretId}${target.note}: ${why}`);
    return 3;
  } finally {
    client.destroy();
    endpoint.restore();
  }

  const secretName = name ?? secretId;
  io.out(`Stored version ${versionId ?? '(not named by Secrets Manager)'} of ${secretName} as AWSCURRENT${target.note}.`);
  io.out(
    'Next: Secrets Manager sends "Secret Label Updated", and the rotation fan-out puts one reapply_credentials request per connection ' +
      'using the secret on the provisioning queue; the worker applies the version and runs the setup tests.',
  );
  io.out(
    `Follow it: "Connection Credentials Applied" events (or "Connection Lifecycle Request Failed" SETUP_TESTS_FAILED), ` +
      `and ${PROGRAM} status <connectionId>, which shows the version applied.`,
  );
  return 0;
}
