import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse } from 'aws-lambda';
import { createHandler } from '../../functions/provision/create-handler';
import type { FivetranSandboxOptions } from '../../local/fivetran-sandbox/types';
import { FUNCTION_ARN, QUEUE_ARN } from '../../local/world/fixtures';
import { lambdaContext, sqsRecord } from '../../local/world/lambda-context';
import { startWorld } from '../../local/world/world';
import type { HandlerOverrides } from '../../shared/runtime/handler-overrides';
import { DEPLOYED, deployedSettings } from './deployed';

/**
 * The world's Fivetran sandbox and Secrets Manager / EventBridge stand-in,
 * with this process's AWS SDK pointed at the stand-in until `close`.
 */
export async function startLocalServices(
  secrets: Record<string, unknown>,
  sandboxOptions: Omit<FivetranSandboxOptions, 'apiKey' | 'apiSecret' | 'host'> = {},
) {
  const world = await startWorld({ aws: true, fivetran: sandboxOptions, secrets });
  return {
    sandbox: world.sandbox!,
    aws: world.aws!,
    /** Variables of the worker pointed at these services, beside the world's settings. */
    workerEnv: { FIVETRAN_API_URL: world.fivetranUrl! },
    close: world.stop,
  };
}

/** The provisioning handler as Lambda would run it, configured like the deployed stack, with its logs kept quiet. */
export function benchHandler(env: Record<string, string> & { FIVETRAN_API_URL: string }, overrides: HandlerOverrides = {}) {
  const logger = new Logger({ serviceName: 'bench', logLevel: 'ERROR' });
  const handler = createHandler(deployedSettings(env.FIVETRAN_API_URL, env), { logger, ...overrides });
  let invocation = 0;
  return async (bodies: readonly unknown[]): Promise<SQSBatchResponse> => {
    invocation += 1;
    const records = bodies.map((body, index) =>
      sqsRecord(body, { messageId: `bench-${invocation}-${index}`, sentAt: Date.now(), queueArn: QUEUE_ARN }),
    );
    const startedAt = Date.now();
    const context = lambdaContext(FUNCTION_ARN, () => DEPLOYED.functionTimeoutMs - (Date.now() - startedAt), `bench-${invocation}`);
    return (await handler({ Records: records }, context)) as SQSBatchResponse;
  };
}
