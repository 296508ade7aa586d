import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { AWS_CLIENT_TIMEOUTS, untilDeadline } from '../../shared/aws/aws-calls';
import { createSqsClient } from '../../shared/aws/sqs-client';
import type { Ledger } from '../../shared/ledger/ledger';
import { producerSender, type SendReapplyRequests } from '../../shared/producer/reapply-requests';
import { CodedError } from '../../shared/runtime/errors';
import { deadlineAt } from '../../shared/runtime/retry';
import type { DriftConfig } from '../../shared/runtime/settings';
import { type CurrentVersionOf, checkDrift, type DriftCheckResult } from './drift-check';

export type DriftRunResult = Omit<DriftCheckResult, 'sendError'>;

export interface DriftDeps {
  ledger: Ledger;
  /** Default: DescribeSecret through a Secrets Manager client made here. */
  currentVersionOf?: CurrentVersionOf;
  /** Default: the producer, over an SQS client made here. */
  send?: SendReapplyRequests;
  logger?: Logger;
  now?: () => number;
  random?: () => number;
}

const SERVICE = 'fivetran-provisioner-drift';

/** The version that carries AWSCURRENT, from DescribeSecret's VersionIdsToStages: no secret value is read. */
export function describeCurrentVersion(client: SecretsManagerClient): CurrentVersionOf {
  return async (secretName, deadline) => {
    const answer = await client.send(new DescribeSecretCommand({ SecretId: secretName }), untilDeadline(deadline));
    const stages = Object.entries(answer.VersionIdsToStages ?? {});
    return stages.find(([, labels]) => labels.includes('AWSCURRENT'))?.[0];
  };
}

/**
 * Builds the scheduled drift check handler. Secrets that cannot be described
 * are logged by name and counted (DriftSecretsUnreadable) without failing the
 * run; a ledger or queue fault fails the invocation once the run is logged,
 * so its errors alarm and the next run (or retry) sends again.
 */
export function createHandler(config: DriftConfig, deps: DriftDeps) {
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? new Logger({ serviceName: SERVICE });
  const metrics = new Metrics({ namespace: 'FivetranProvisioner', serviceName: SERVICE });
  const tracer = new Tracer({ serviceName: SERVICE, captureHTTPsRequests: false });
  const currentVersionOf =
    deps.currentVersionOf ?? describeCurrentVersion(tracer.captureAWSv3Client(new SecretsManagerClient(AWS_CLIENT_TIMEOUTS)));
  const send =
    deps.send ?? producerSender({ queueUrl: config.queueUrl, sqsClient: tracer.captureAWSv3Client(createSqsClient(AWS_CLIENT_TIMEOUTS)) });

  const handleSchedule = async (_event: unknown, context: Context): Promise<DriftRunResult> => {
    const deadline = deadlineAt(now() + context.getRemainingTimeInMillis() - config.safetyMarginMs, now);
    const { sendError, ...result } = await checkDrift(
      {
        ledger: deps.ledger,
        currentVersionOf,
        send,
        credentialsSecretPrefix: config.credentialsSecretPrefix,
        concurrency: config.secretDescribeConcurrency,
        ...(deps.random === undefined ? {} : { random: deps.random }),
        onUnreadable: (secretName, reason) => logger.warn('A credentials secret could not be described', { secretName, reason }),
      },
      deadline,
    );
    metrics.addMetric('DriftRequestsEnqueued', MetricUnit.Count, result.requestIds.length);
    metrics.addMetric('DriftSecretsUnreadable', MetricUnit.Count, result.unreadable.length);
    const summary = {
      secrets: result.secrets,
      requestsEnqueued: result.requestIds.length,
      unreadable: result.unreadable,
      notChecked: result.notChecked,
      sendFailures: result.sendFailures,
    };
    if (result.notChecked > 0) logger.warn('The drift check ran out of time; the next run checks the secrets left', summary);
    if (sendError !== undefined) {
      logger.error('The requests for some secrets could not be sent; the next try sends them again', {
        ...summary,
        errorCode: sendError instanceof CodedError ? sendError.code : 'INTERNAL_ERROR',
        error: sendError instanceof Error ? sendError.message : String(sendError),
      });
      throw sendError;
    }
    logger.info('Drift check done', summary);
    return result;
  };

  return middy<unknown, DriftRunResult, Error, Context>(handleSchedule)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}
