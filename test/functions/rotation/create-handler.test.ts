import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandler } from '../../../functions/rotation/create-handler';
import { lambdaContext } from '../../../local/world/lambda-context';
import { captureLogs, type LogCapture } from '../../../local/world/logs';
import { type ReapplyCredentialsRequest, reapplyCredentialsRequestSchema } from '../../../shared/contracts/lifecycle-request';
import { ProvisioningError, ReapplySendError } from '../../../shared/runtime/errors';
import { readSettings } from '../../../shared/runtime/settings';
import { connectionEntry, memoryLedger } from '../../support/memory-ledger';

const PREFIX = 'fivetran/gitlab/';
const SECRET = `${PREFIX}sandbox_group/team-pat`;
const OLD = '11111111-1111-4111-8111-111111111111';
const NEW = '22222222-2222-4222-8222-222222222222';

const settings = readSettings('rotation', {
  CREDENTIALS_SECRET_PREFIX: PREFIX,
  PROVISIONING_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/provisioning',
});
const context = () => lambdaContext('arn:aws:lambda:eu-west-1:123456789012:function:rotation', () => 30_000);

function labelUpdated(detail: { name?: string; labelUpdated?: string; versionId?: string } = {}) {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'Secret Label Updated',
    source: 'aws.secretsmanager',
    account: '123456789012',
    time: '2025-02-06T16:43:48Z',
    region: 'eu-west-1',
    resources: [],
    detail: { name: SECRET, labelUpdated: 'AWSCURRENT', versionId: NEW, ...detail },
  };
}

let logs: LogCapture;
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => logs.restore());

function world() {
  const store = memoryLedger([
    connectionEntry({ connectionId: 'behind_active', secretName: SECRET, appliedVersionId: OLD }),
    connectionEntry({ connectionId: 'behind_paused', secretName: SECRET, appliedVersionId: OLD, state: 'paused' }),
    connectionEntry({ connectionId: 'up_to_date', secretName: SECRET, appliedVersionId: NEW }),
    connectionEntry({ connectionId: 'deleted', secretName: SECRET, appliedVersionId: OLD, state: 'decommissioned' }),
    connectionEntry({ connectionId: 'gone', secretName: SECRET, appliedVersionId: OLD, state: 'gone' }),
    connectionEntry({ connectionId: 'other_secret', secretName: `${PREFIX}sandbox_group/other`, appliedVersionId: OLD }),
  ]);
  const sent: ReapplyCredentialsRequest[][] = [];
  let sendFault: Error | undefined;
  const handler = createHandler(settings, {
    ledger: store.ledger,
    send: async (requests) => {
      if (sendFault !== undefined) throw sendFault;
      sent.push([...requests]);
    },
  });
  return {
    store,
    sent,
    handler,
    failSending: (error: Error) => {
      sendFault = error;
    },
  };
}

describe('rotation fan-out', () => {
  it('sends one reapply_credentials request per active or paused connection behind the new AWSCURRENT version, with id rotate:<conn>:<version>', async () => {
    const { handler, sent } = world();
    const result = await handler(labelUpdated(), context());
    const requests = sent.flat();
    expect(requests.map((r) => r.requestId).sort()).toEqual([`rotate:behind_active:${NEW}`, `rotate:behind_paused:${NEW}`]);
    for (const request of requests) {
      expect(reapplyCredentialsRequestSchema.safeParse(request).success).toBe(true);
      expect(request).toMatchObject({ action: 'reapply_credentials', secretVersionId: NEW, trigger: 'rotation' });
    }
    expect(result).toMatchObject({ status: 'enqueued', connections: 5 });
  });

  it.each(['AWSPREVIOUS', 'custom-label'])('does nothing when the label %s moves', async (label) => {
    const { handler, sent } = world();
    const result = await handler(labelUpdated({ labelUpdated: label }), context());
    expect(sent.flat()).toEqual([]);
    expect(result).toMatchObject({ status: 'ignored', reason: 'label' });
  });

  it('does nothing for a secret outside the credentials prefix, without asking the ledger', async () => {
    const { handler, sent, store } = world();
    store.fail(new Error('the ledger must not be asked'));
    const result = await handler(labelUpdated({ name: 'fivetran/gitlabX/sandbox_group/team-pat' }), context());
    expect(sent.flat()).toEqual([]);
    expect(result).toMatchObject({ status: 'ignored', reason: 'prefix' });
  });

  it.each([
    ['another source', { ...labelUpdated(), source: 'aws.ssm' }],
    ['a version id that is not one', labelUpdated({ versionId: 'not a version' })],
    ['no detail', { source: 'aws.secretsmanager', 'detail-type': 'Secret Label Updated' }],
    ['not an object', 'Secret Label Updated'],
  ])('drops %s with ROTATION_EVENT_INVALID instead of failing, so it is not retried', async (_case, event) => {
    const { handler, sent } = world();
    const result = await handler(event, context());
    expect(result).toEqual({ status: 'dropped', errorCode: 'ROTATION_EVENT_INVALID' });
    expect(sent).toEqual([]);
    expect(logs.lines.some((line) => line.includes('ROTATION_EVENT_INVALID'))).toBe(true);
  });

  it('sends the same request ids when the same event is fanned out twice (the worker ledger dedupes them)', async () => {
    const { handler, sent } = world();
    await handler(labelUpdated(), context());
    await handler(labelUpdated(), context());
    const [first, second] = sent.map((batch) => batch.map((r) => r.requestId).sort());
    expect(first).toHaveLength(2);
    expect(second).toEqual(first);
  });

  it('fails the invocation when the ledger is unavailable, so EventBridge tries the event again', async () => {
    const { handler, store, sent } = world();
    store.fail(new ProvisioningError('LEDGER_UNAVAILABLE', 'The ledger table did not answer in time'));
    await expect(handler(labelUpdated(), context())).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
    expect(sent).toEqual([]);
  });

  it('fails the invocation when the requests cannot be put on the queue, naming the code', async () => {
    const { handler, failSending } = world();
    failSending(new ReapplySendError('SQS_UNAVAILABLE', '2 of 2 reapply_credentials request(s) were not sent'));
    await expect(handler(labelUpdated(), context())).rejects.toMatchObject({ code: 'SQS_UNAVAILABLE' });
    expect(logs.lines.some((line) => line.includes('SQS_UNAVAILABLE') && line.includes(SECRET))).toBe(true);
  });
});
