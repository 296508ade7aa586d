import { parseArgs } from 'node:util';
import { DEFAULT_RUN_DIR } from '../../local/run/settings';
import { enqueue } from '../../shared/producer';
import { checkRequests, reportInvalid } from '../check-requests';
import { overrideEnv } from '../env-overrides';
import type { CliIo } from '../io';
import { readStackFile } from '../local-run-file';
import { renderProgressBar } from '../progress-bar';
import { readRequests } from '../request-file';
import { sqsVariablesFor } from '../sqs-target';
import { UsageError } from '../usage-error';
import { userPath } from '../user-path';

const LISTED_MESSAGES = 20;

/** The variable an upstream system (or a shell) names its queue with, when --queue-url is not given. */
export const QUEUE_URL_VARIABLE = 'PROVISIONING_QUEUE_URL';

/**
 * `enqueue <file|->`: checks every request first and reports each invalid one
 * with its line, then sends the valid ones in batches (re-sending retryable
 * failures). Exit 1 if any request was not sent.
 */
export async function enqueueCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { 'queue-url': { type: 'string' }, 'run-dir': { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const source = positionals[0];
  if (source === undefined || positionals.length > 1) throw new UsageError('enqueue takes one file (JSON Lines, or .json), or - for stdin');

  const target = resolveQueue(
    values['queue-url'],
    values['run-dir'] === undefined ? DEFAULT_RUN_DIR : userPath(values['run-dir']),
    process.env,
  );
  const checked = checkRequests(await readRequests(source, io));
  reportInvalid(checked, io);
  const total = checked.valid.length + checked.invalid.length;
  if (checked.invalid.length > 0 && checked.valid.length > 0) {
    io.err(`${checked.invalid.length} invalid request(s) will not be sent; sending the ${checked.valid.length} valid one(s)`);
  }

  // Set for the SDK, which reads them when enqueue creates its client.
  const endpoint = overrideEnv(target.env);
  let results: Awaited<ReturnType<typeof enqueue>>;
  try {
    results = await enqueue(
      checked.valid.map((entry) => entry.value),
      {
        queueUrl: target.queueUrl,
        onProgress: (progress) => io.status(`sending ${renderProgressBar(progress.sent + progress.refused, progress.total)}`),
      },
    );
  } finally {
    endpoint.restore();
  }

  const sent = results.filter((result) => result.status === 'sent');
  for (const result of results) {
    if (result.status === 'refused') io.err(`${checked.valid[result.index]!.where}: ${result.code}: ${result.reason}`);
  }
  io.out(`Sent ${sent.length} of ${total} request(s) to ${target.queueUrl}${target.note}`);
  // Message ids help follow a few requests; for a large file they would bury the summary.
  if (sent.length <= LISTED_MESSAGES) {
    for (const result of sent) io.out(`  ${checked.valid[result.index]!.where}  ${result.requestId}  message ${result.messageId}`);
  }
  return sent.length === total && total > 0 ? 0 : 1;
}

interface QueueTarget {
  queueUrl: string;
  /** Variables to set while sending: the endpoint of a local SQS server, the queue's region, and credentials for a local server. */
  env: Record<string, string | undefined>;
  note: string;
}

/** --queue-url, else $PROVISIONING_QUEUE_URL, else the queue of a `start` running from this directory. */
function resolveQueue(flag: string | undefined, runDir: string, env: NodeJS.ProcessEnv): QueueTarget {
  const explicit = flag ?? env[QUEUE_URL_VARIABLE];
  if (explicit) return { queueUrl: explicit, env: sqsVariablesFor(explicit, env), note: '' };
  const stack = readStackFile(runDir);
  if (stack === undefined) {
    throw new UsageError(
      `No queue to send to: pass --queue-url, set ${QUEUE_URL_VARIABLE}, or run "npm start -- --watch" in another terminal first` +
        ` (with the same --run-dir, if it has one)`,
    );
  }
  const noCredentials = !env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE;
  return {
    queueUrl: stack.queueUrl,
    env: {
      AWS_ENDPOINT_URL_SQS: env.AWS_ENDPOINT_URL_SQS ? undefined : stack.sqsEndpoint,
      AWS_REGION: env.AWS_REGION ? undefined : stack.region,
      AWS_ACCESS_KEY_ID: stack.sqsEndpoint && noCredentials ? 'local' : undefined,
      AWS_SECRET_ACCESS_KEY: stack.sqsEndpoint && noCredentials ? 'local' : undefined,
    },
    note: ` (the local run, pid ${stack.pid}; its events go to ${stack.eventsFile})`,
  };
}
