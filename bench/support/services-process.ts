/**
 * Runs the world a pipeline benchmark talks to (SQS, Fivetran, Secrets
 * Manager + EventBridge) in a process of its own, so the benchmark's process
 * measures only the poller and the handler. Sends the world's environment and
 * Fivetran URL over IPC, and stops on SIGTERM.
 *
 * argv[2]: JSON options { secrets, createRateLimit?, groups? }.
 */
import { startWorld } from '../../local/world/world';
import type { ServiceAddresses } from './services-child';

const options = JSON.parse(process.argv[2] ?? '{}') as {
  secrets: Record<string, unknown>;
  createRateLimit?: { limit: number; windowMs: number };
  groups?: string[];
};
let events = 0;
let lastEventAt = 0;
const world = await startWorld({
  env: 'child',
  sqs: true,
  aws: {
    onEvent: () => {
      events += 1;
      lastEventAt = Date.now();
    },
  },
  fivetran: {
    ...(options.groups ? { groups: options.groups } : {}),
    ...(options.createRateLimit ? { createRateLimit: options.createRateLimit } : {}),
  },
  secrets: options.secrets,
});
const sandbox = world.sandbox!;
const aws = world.aws!;

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
  void world.stop().then(() => process.exit(0));
});
const addresses: ServiceAddresses = { env: world.env, fivetran: world.fivetranUrl! };
process.send?.(addresses);
