import { createHash } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * Secrets Manager, EventBridge and SQS mocked at the SDK (aws-sdk-client-mock)
 * for the handler tests that need no AWS server: secrets are served from a
 * map, every PutEvents entry is taken, SQS answers what the handler asks.
 */
export function mockAws(secrets: Record<string, unknown>, queueUrl: string) {
  const secretsManager = mockClient(SecretsManagerClient);
  const eventBridge = mockClient(EventBridgeClient);
  const sqs = mockClient(SQSClient);
  const values = new Map(Object.entries(secrets).map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]));
  secretsManager.on(GetSecretValueCommand).callsFake(async (input: { SecretId: string }) => {
    const value = values.get(input.SecretId);
    if (value === undefined)
      throw Object.assign(new Error("Secrets Manager can't find the specified secret."), { name: 'ResourceNotFoundException' });
    return { SecretString: value, Name: input.SecretId };
  });
  eventBridge.on(PutEventsCommand).callsFake(async (input: { Entries: PutEventsRequestEntry[] }) => ({
    FailedEntryCount: 0,
    Entries: input.Entries.map((_, i) => ({ EventId: `event-${i}` })),
  }));
  sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: queueUrl });
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
  // As SQS answers a SendMessage: a new message id and the body's MD5.
  let sent = 0;
  sqs.on(SendMessageCommand).callsFake(async (input: { MessageBody: string }) => {
    sent += 1;
    return {
      MessageId: `00000000-0000-4000-8000-${String(sent).padStart(12, '0')}`,
      MD5OfMessageBody: createHash('md5').update(input.MessageBody).digest('hex'),
    };
  });
  return {
    secretsManager,
    eventBridge,
    sqs,
    setSecret(name: string, value: unknown) {
      if (value === undefined) values.delete(name);
      else values.set(name, typeof value === 'string' ? value : JSON.stringify(value));
    },
    /** Every event published, in order, as EventBridge received it. */
    events() {
      return eventBridge.commandCalls(PutEventsCommand).flatMap((call) =>
        (call.args[0].input.Entries ?? []).map((entry) => ({
          source: entry.Source,
          busName: entry.EventBusName,
          detailType: entry.DetailType!,
          detail: JSON.parse(entry.Detail!) as Record<string, any>,
        })),
      );
    },
    restore() {
      secretsManager.restore();
      eventBridge.restore();
      sqs.restore();
    },
  };
}
