/**
 * Runs the local services a pipeline benchmark talks to (SQS, Fivetran,
 * Secrets Manager + EventBridge) in a process of their own, so the
 * benchmark's process measures only the poller and the handler. Prints one
 * JSON line with the addresses, and stops on SIGTERM.
 *
 * argv[2]: JSON options { secrets, createRateLimit?, groups? }.
 */
import { startFauxqs } from 'fauxqs';
import { startAwsStandIn } from '../../local/aws/aws-stand-in';
import { startFivetranSandbox } from '../../local/fivetran-sandbox/server';
import { BENCH_API_KEY } from './local-services';

const options = JSON.parse(process.argv[2] ?? '{}') as {
  secrets: Record<string, string>;
  createRateLimit?: { limit: number; windowMs: number };
  groups?: string[];
};
const fauxqs = await startFauxqs({ port: 0, logger: false });
const sandbox = await startFivetranSandbox({
  ...BENCH_API_KEY,
  groups: options.groups ?? ['bench_group'],
  ...(options.createRateLimit ? { createRateLimit: options.createRateLimit } : {}),
});
let events = 0;
let lastEventAt = 0;
const aws = await startAwsStandIn({
  secrets: options.secrets,
  onEvent: () => {
    events += 1;
    lastEventAt = Date.now();
  },
});

process.on('message', (message: unknown) => {
  if (message === 'stats') {
    const creates = sandbox.calls.filter((call) => call.method === 'POST');
    process.send?.({
      events,
      lastEventAt,
      calls: sandbox.calls.length,
      creates: creates.length,
      created: sandbox.connections().length,
      rateLimited: sandbox.calls.filter((call) => call.status === 429).length,
      createTimes: sandbox.connections().map((connection) => Date.parse(connection.data.created_at)),
      secretReads: aws.secretReads.length,
    });
  }
});
process.on('SIGTERM', () => {
  void Promise.all([fauxqs.stop(), sandbox.close(), aws.close()]).then(() => process.exit(0));
});
process.send?.({ sqs: fauxqs.address, fivetran: sandbox.url, aws: aws.url });
