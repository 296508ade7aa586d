import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createSqsClient } from '../../shared/aws/sqs-client';
import { startMoveTask } from '../../shared/aws/sqs-move-task';
import { RedriveError } from '../../shared/runtime/errors';
import { powertoolsNames, type RedriveConfig } from '../../shared/runtime/settings';

export type ScheduledRedriveResult =
  | { status: 'started'; taskHandle: string; deadLetters: number }
  | { status: 'nothing_to_move' }
  | { status: 'already_running'; message: string };

/**
 * Builds the scheduled redrive handler: if the dead-letter queue holds
 * messages, start an SQS move task back to the provisioning queue at the
 * configured rate. It runs on AWS, where move tasks exist, so it has no
 * receive/send/delete fallback. A task still running from the last schedule
 * is not an error: it is logged and left alone.
 */
export function createHandler(config: RedriveConfig, overrides: { logger?: Logger } = {}) {
  const names = powertoolsNames('redrive');
  const logger = overrides.logger ?? new Logger({ serviceName: names.serviceName });
  const sqs = createSqsClient();
  const metrics = new Metrics({ namespace: names.namespace, serviceName: names.serviceName });

  const handleSchedule = async (_event: unknown, _context: Context): Promise<ScheduledRedriveResult> => {
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: config.deadLetterQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    const deadLetters = Number(attributes.Attributes?.ApproximateNumberOfMessages ?? '0');
    if (deadLetters === 0) {
      logger.info('The dead-letter queue is empty: nothing to redrive');
      return { status: 'nothing_to_move' };
    }
    try {
      const taskHandle = await startMoveTask({
        sqs,
        sourceArn: config.deadLetterQueueArn,
        destinationArn: config.destinationQueueArn,
        maxMessagesPerSecond: config.maxMessagesPerSecond,
      });
      metrics.addMetric('RedrivesStarted', MetricUnit.Count, 1);
      metrics.addMetric('DeadLettersAtRedrive', MetricUnit.Count, deadLetters);
      logger.info('Redrive started', { taskHandle, deadLetters, maxMessagesPerSecond: config.maxMessagesPerSecond });
      return { status: 'started', taskHandle, deadLetters };
    } catch (error) {
      if (!(error instanceof RedriveError && error.code === 'MOVE_TASK_RUNNING')) throw error;
      logger.warn('A redrive is still running; not starting another', { message: error.message });
      return { status: 'already_running', message: error.message };
    }
  };

  return middy<unknown, ScheduledRedriveResult>(handleSchedule)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}
