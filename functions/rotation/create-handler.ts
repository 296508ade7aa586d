import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { AWS_CLIENT_TIMEOUTS } from '../../shared/aws/aws-calls';
import { createSqsClient } from '../../shared/aws/sqs-client';
import type { Ledger } from '../../shared/ledger/ledger';
import { producerSender, type SendReapplyRequests } from '../../shared/producer/reapply-requests';
import { CodedError } from '../../shared/runtime/errors';
import { deadlineAt } from '../../shared/runtime/retry';
import type { RotationConfig } from '../../shared/runtime/settings';
import { type FanOutResult, fanOut, parseRotationEvent } from './fan-out';

export type RotationResult = FanOutResult | { status: 'dropped'; errorCode: 'ROTATION_EVENT_INVALID' };

export interface RotationDeps {
  ledger: Ledger;
  /** Default: the producer, over an SQS client made here. */
  send?: SendReapplyRequests;
  logger?: Logger;
  now?: () => number;
}

const SERVICE = 'fivetran-provisioner-rotation';

const codeOf = (error: unknown): string => (error instanceof CodedError ? error.code : 'INTERNAL_ERROR');

/**
 * Builds the rotation fan-out handler, invoked by the rule on the account's
 * default bus for `Secret Label Updated`. The answer is the invocation's
 * result; a ledger or queue fault throws, so EventBridge tries the event
 * again (and dead-letters it after the target's retry policy). The local run
 * calls the returned handler with the stand-in's events.
 *
 * @example await createHandler(settings, { ledger })(secretLabelUpdatedEvent, lambdaContext)
 */
export function createHandler(config: RotationConfig, deps: RotationDeps) {
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? new Logger({ serviceName: SERVICE });
  const metrics = new Metrics({ namespace: 'FivetranProvisioner', serviceName: SERVICE });
  const tracer = new Tracer({ serviceName: SERVICE, captureHTTPsRequests: false });
  const send =
    deps.send ?? producerSender({ queueUrl: config.queueUrl, sqsClient: tracer.captureAWSv3Client(createSqsClient(AWS_CLIENT_TIMEOUTS)) });

  const handleEvent = async (event: unknown, context: Context): Promise<RotationResult> => {
    const deadline = deadlineAt(now() + context.getRemainingTimeInMillis() - config.safetyMarginMs, now);
    const parsed = parseRotationEvent(event);
    if (!parsed.ok) {
      // Trying it again would fail the same way: logged for someone to look at, and acknowledged.
      logger.error('Dropped an event that is not a Secret Label Updated event', {
        errorCode: 'ROTATION_EVENT_INVALID',
        reason: parsed.reason,
      });
      return { status: 'dropped', errorCode: 'ROTATION_EVENT_INVALID' };
    }
    let result: FanOutResult;
    try {
      result = await fanOut(parsed.event, { ledger: deps.ledger, send, credentialsSecretPrefix: config.credentialsSecretPrefix }, deadline);
    } catch (error) {
      logger.error('The rotation could not be fanned out; EventBridge tries the event again', {
        secretName: parsed.event.detail.name,
        versionId: parsed.event.detail.versionId,
        errorCode: codeOf(error),
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
    if (result.status === 'ignored') {
      logger.info(
        result.reason === 'label'
          ? 'Ignored a label other than AWSCURRENT'
          : 'Ignored a secret outside the credentials prefix: not the provisioner’s',
        { secretName: result.secretName, labelUpdated: parsed.event.detail.labelUpdated },
      );
      return result;
    }
    metrics.addMetric('RotationRequestsEnqueued', MetricUnit.Count, result.requestIds.length);
    logger.info('Rotation fanned out to the connections behind the new version', {
      secretName: result.secretName,
      versionId: result.versionId,
      connections: result.connections,
      requestIds: result.requestIds,
    });
    return result;
  };

  return middy<unknown, RotationResult, Error, Context>(handleEvent)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}
