import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../shared/runtime/settings';
import { buildScheduleStacks, byService, logicalId, roleOf, statementsOfRole } from './schedule-stacks';
import { actionsOf, arn, disposeTestApps, resourcesOf } from './support';

afterAll(disposeTestApps);

const { stacks, template } = buildScheduleStacks();

describe('scheduled redrive', () => {
  const stack = stacks.WithSchedules;
  let t: Template;
  let ids: { fn: string; role: string; queue: string; dlq: string };
  beforeAll(() => {
    t = template('WithSchedules');
    const fn = logicalId(stack, stack.redrive!.function);
    ids = { fn, role: roleOf(t, fn), queue: logicalId(stack, stack.queue.queue), dlq: logicalId(stack, stack.queue.deadLetterQueue) };
  });

  it('runs on its schedule and moves at most the configured rate back to the provisioning queue', () => {
    const schedule = Object.values(t.findResources('AWS::Scheduler::Schedule')).find(
      (s) => JSON.stringify(s.Properties.Target.Arn) === JSON.stringify(arn(ids.fn)),
    )!;
    expect(schedule.Properties).toMatchObject({ ScheduleExpression: 'rate(6 hours)', ScheduleExpressionTimezone: 'UTC' });
    const env = t.findResources('AWS::Lambda::Function')[ids.fn]!.Properties.Environment.Variables;
    expect(env).toMatchObject({
      DEAD_LETTER_QUEUE_URL: { Ref: ids.dlq },
      DEAD_LETTER_QUEUE_ARN: arn(ids.dlq),
      DESTINATION_QUEUE_ARN: arn(ids.queue),
      MAX_MESSAGES_PER_SECOND: '20',
    });
    expect(
      readSettings('redrive', {
        DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq',
        DEAD_LETTER_QUEUE_ARN: 'arn:aws:sqs:eu-west-1:123456789012:dlq',
        DESTINATION_QUEUE_ARN: 'arn:aws:sqs:eu-west-1:123456789012:q',
        MAX_MESSAGES_PER_SECOND: env.MAX_MESSAGES_PER_SECOND,
      }).maxMessagesPerSecond,
    ).toBe(20);
  });

  it('may start and list move tasks on the dead-letter queue, with the receive/delete they need, and send to the provisioning queue only', () => {
    const sqs = byService(statementsOfRole(t, ids.role), 'sqs');
    expect(sqs.map((s) => [actionsOf(s).sort(), resourcesOf(s)])).toEqual([
      [
        ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ListMessageMoveTasks', 'sqs:ReceiveMessage', 'sqs:StartMessageMoveTask'],
        [arn(ids.dlq)],
      ],
      [['sqs:SendMessage'], [arn(ids.queue)]],
    ]);
    expect(
      new Set(
        statementsOfRole(t, ids.role)
          .flatMap(actionsOf)
          .map((a) => a.split(':')[0]),
      ),
    ).toEqual(new Set(['logs', 'xray', 'sqs']));
  });
});
