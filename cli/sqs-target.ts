import { regionOfQueue } from '../shared/aws/sqs-client';

/** Hosts of AWS's own SQS endpoints, which the SDK reaches by region without an endpoint setting. */
const AWS_HOST = /\.(amazonaws\.com(\.cn)?|api\.aws)$/;
const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/**
 * The AWS variables that make the SDK call the SQS server a queue URL or ARN
 * names, for the CLI's commands: the URL's own server when it is not AWS (a
 * local SQS server; fauxqs's `sqs.<region>.127.0.0.1` host becomes the
 * address it listens at), and the queue's region when none is set. Only a
 * server on this machine gets fake credentials when the shell has none. An
 * AWS_ENDPOINT_URL_SQS the user set wins over the URL.
 *
 * @example sqsVariablesFor('http://sqs.us-east-1.127.0.0.1:4566/000000000000/q', {})
 * // { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' }
 */
export function sqsVariablesFor(queue: string, env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const variables: Record<string, string | undefined> = {};
  // Read by hand: new URL() refuses fauxqs's sqs.<region>.127.0.0.1 (see hostOfUrl).
  const url = /^(https?):\/\/([^/:?#]+|\[[^\]]+\])(?::(\d+))?/i.exec(queue);
  let loopback = false;
  if (url !== null && !AWS_HOST.test(url[2]!.toLowerCase()) && !env.AWS_ENDPOINT_URL_SQS) {
    const host = url[2]!.toLowerCase().replace(/^sqs\.[a-z0-9-]+\.(?=localhost$|127(\.\d{1,3}){3}$)/, '');
    loopback = LOOPBACK_HOST.test(host);
    variables.AWS_ENDPOINT_URL_SQS = `${url[1]!.toLowerCase()}://${host}${url[3] ? `:${url[3]}` : ''}`;
  }
  // A server on this machine takes any region; AWS needs the queue's own.
  const region = regionOfQueue(queue) ?? (loopback ? 'us-east-1' : undefined);
  // The shell's region wins; the JavaScript SDK never reads AWS_DEFAULT_REGION (the AWS CLI's), so it is passed on as AWS_REGION.
  const chosen = env.AWS_REGION ? undefined : env.AWS_DEFAULT_REGION || region;
  if (chosen !== undefined) variables.AWS_REGION = chosen;
  if (loopback && !env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE) {
    variables.AWS_ACCESS_KEY_ID = 'local';
    variables.AWS_SECRET_ACCESS_KEY = 'local';
  }
  return variables;
}
