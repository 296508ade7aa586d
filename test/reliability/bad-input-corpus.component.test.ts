import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY_SECRET_ID, CREDENTIALS_PREFIX, FUNCTION_ARN } from '../../local/world/fixtures';
import { type Harness, startHarness } from '../support/handler-harness';
import {
  acceptedUnusualInputs,
  type BadInput,
  badInputCorpus,
  type CorpusContext,
  corpusSecretId,
  corpusSecretValue,
  validCorpusRequest,
} from './support/bad-input-corpus';
import { markdownTable, type TableRow } from './support/invariants';
import { createMarkers } from './support/markers';
import { publishTable } from './support/report';

/**
 * The bad-input corpus through the real handler (SDK mocks, the real Fivetran
 * sandbox), in batches of ten: seven malformed records and three valid ones,
 * so that each batch also shows the rest of it is unaffected.
 */
const [, , , region, accountId] = FUNCTION_ARN.split(':');
const markers = createMarkers(7);
const context: CorpusContext = {
  prefix: CREDENTIALS_PREFIX,
  accountId: accountId!,
  region: region!,
  apiKeySecretId: API_KEY_SECRET_ID,
  groupId: 'sandbox_group',
  marker: (label) => markers.next(label),
};
const corpus = badInputCorpus(context);
const accepted = acceptedUnusualInputs(context);
const BAD_PER_BATCH = 7;

interface Batch {
  records: SQSRecord[];
  response: SQSBatchResponse;
  valid: Array<{ requestId: string; schema: string; messageId: string }>;
}

let h: Harness;
const batches: Batch[] = [];
const messageIdOf = new Map<string, string>();
const batchOf = new Map<string, Batch>();

beforeAll(async () => {
  h = await startHarness();
  h.setSecret(corpusSecretId(context), corpusSecretValue(context));
  for (const badInput of corpus) {
    for (const [name, value] of Object.entries(badInput.secrets ?? {})) h.setSecret(name, value);
    if (badInput.takenBy) h.sandbox.seedConnection({ groupId: badInput.groupId, schema: badInput.schema, service: badInput.takenBy });
  }
  let validIndex = 0;
  const recordOf = (badInput: BadInput): SQSRecord => {
    const record = h.record(badInput.body);
    for (const [name, value] of Object.entries(badInput.attributes ?? {})) {
      record.messageAttributes[name] = { dataType: 'String', stringValue: value, stringListValues: [], binaryListValues: [] };
    }
    messageIdOf.set(badInput.name, record.messageId);
    return record;
  };
  for (let start = 0; start < corpus.length; start += BAD_PER_BATCH) {
    const bad = corpus.slice(start, start + BAD_PER_BATCH).map(recordOf);
    const valid = [0, 1, 2].map(() => {
      const request = validCorpusRequest(context, ++validIndex);
      return { ...request, record: h.record(request.body) };
    });
    // The valid records go first, in the middle and last.
    const records = [valid[0]!.record, ...bad.slice(0, 3), valid[1]!.record, ...bad.slice(3), valid[2]!.record];
    const response = await h.invoke(records);
    const batch: Batch = {
      records,
      response,
      valid: valid.map(({ requestId, schema, record }) => ({ requestId, schema, messageId: record.messageId })),
    };
    batches.push(batch);
    for (const record of bad) batchOf.set(record.messageId, batch);
  }
  const acceptedRecords = accepted.map((input) => h.record(input.body));
  batches.push({ records: acceptedRecords, response: await h.invoke(acceptedRecords), valid: [] });
  publishTable('bad-input-corpus', 'Bad-input corpus', markdownTable(corpusRows()));
}, 60_000);

/** The corpus by the code each message must end with, and what the handler did with them, for the report. */
function corpusRows(): TableRow[] {
  const rows: TableRow[] = [];
  for (const code of [...new Set(corpus.map((badInput) => badInput.code))].sort()) {
    const inputs = corpus.filter((badInput) => badInput.code === code);
    const settled = inputs.filter((badInput) => {
      const events = eventsOfMessage(messageIdOf.get(badInput.name)!);
      return events.length === 1 && events[0]!.detail.errorCode === code && events[0]!.detail.retryable === false;
    });
    rows.push({
      check: `malformed messages that must end in ${code}: one failure event with that code, not retryable`,
      observed: `${settled.length} of ${inputs.length}`,
      required: 'all',
      holds: settled.length === inputs.length,
    });
  }
  const handedBack = batches.reduce((sum, batch) => sum + batch.response.batchItemFailures.length, 0);
  rows.push({ check: 'records handed back to the queue', observed: String(handedBack), required: '0', holds: handedBack === 0 });
  const provisioned = accepted.filter((input) =>
    h.events().some((event) => event.detail.requestId === input.requestId && event.detailType === 'Connection Provisioned'),
  );
  rows.push({
    check: 'unusual but valid requests provisioned',
    observed: `${provisioned.length} of ${accepted.length}`,
    required: 'all',
    holds: provisioned.length === accepted.length,
  });
  rows.push({
    check: 'batches (seven malformed and three valid records each)',
    observed: String(batches.length - 1),
    required: '(reported)',
  });
  return rows;
}

afterAll(async () => {
  await h?.close();
});

const eventsOfMessage = (messageId: string) => h.events().filter((event) => event.detail.sqsMessageId === messageId);

describe('bad-input corpus', () => {
  it('holds at least 100 malformed messages, each with its own name, requestId and schema', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(100);
    expect(new Set(corpus.map((badInput) => badInput.name)).size).toBe(corpus.length);
    expect(new Set(corpus.map((badInput) => badInput.requestId)).size).toBe(corpus.length);
  });

  it.each(corpus.map((badInput) => [badInput.name, badInput] as const))('%s', (_name, badInput) => {
    // given the malformed record in a batch with valid ones (beforeAll), when the handler ran,
    const messageId = messageIdOf.get(badInput.name)!;
    const events = eventsOfMessage(messageId);

    // then it got exactly one failure event, with its code, not retryable, naming what is wrong
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event!.detailType).toBe('Connection Provisioning Failed');
    expect(event!.detail).toMatchObject({ errorCode: badInput.code, retryable: false, sqsMessageId: messageId });
    expect(event!.detail.message).toContain(badInput.names);
    expect([badInput.requestId, null]).toContain(event!.detail.requestId);

    // and it was acknowledged: not handed back for another delivery
    expect(batchOf.get(messageId)!.response.batchItemFailures.map((failure) => failure.itemIdentifier)).not.toContain(messageId);

    // and nothing was created for it at Fivetran
    const creates = h
      .fivetranCalls('POST')
      .filter((call) => (call.body as { config?: { schema?: string } })?.config?.schema === badInput.schema);
    expect(creates).toEqual([]);

    // and a reference the function may not read was never asked for (the API key secret only once, by the function for itself)
    if (badInput.code === 'CREDENTIALS_NOT_ALLOWED') {
      const reference = JSON.parse(badInput.body).credentialsSecretId as string;
      const asked = h.secretsManager.commandCalls(GetSecretValueCommand).filter((call) => call.args[0].input.SecretId === reference);
      expect(asked).toHaveLength(reference === API_KEY_SECRET_ID ? 1 : 0);
    }

    // and no secret value planted in it shows in its event or in any log line
    const published = JSON.stringify(event);
    for (const value of badInput.planted) {
      expect(published).not.toContain(value);
      expect(h.logLines.filter((line) => line.includes(value))).toEqual([]);
    }
  });

  it('leaves the rest of every batch unaffected: its valid records are created, and no record is handed back', () => {
    const corpusBatches = batches.filter((batch) => batch.valid.length > 0);
    expect(corpusBatches.length).toBe(Math.ceil(corpus.length / BAD_PER_BATCH));
    for (const batch of corpusBatches) {
      expect(batch.response.batchItemFailures).toEqual([]);
      for (const valid of batch.valid) {
        expect(h.events().filter((event) => event.detail.requestId === valid.requestId)).toEqual([
          expect.objectContaining({
            detailType: 'Connection Provisioned',
            detail: expect.objectContaining({ outcome: 'created', schema: valid.schema }),
          }),
        ]);
      }
    }
    const created = new Set(h.sandbox.connections().map((connection) => connection.schema));
    expect(corpusBatches.flatMap((batch) => batch.valid.map((valid) => valid.schema)).filter((schema) => !created.has(schema))).toEqual([]);
  });

  it.each(accepted.map((input) => [input.name, input] as const))(
    'accepts unusual text where the contract allows it: %s',
    (_name, input) => {
      // given a request with unusual text in a free-text field, when the handler ran (beforeAll),
      // then it is provisioned, and the text is echoed unchanged
      const events = h.events().filter((event) => event.detail.requestId === input.requestId);
      expect(events).toEqual([expect.objectContaining({ detailType: 'Connection Provisioned' })]);
      expect(events[0]!.detail.context).toEqual(input.context);
      expect(h.sandbox.connections().some((connection) => connection.schema === input.schema)).toBe(true);
    },
  );
});
