import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { listenOnLoopback } from './loopback';

/** A move task as the stand-in keeps it. */
interface MoveTask {
  handle: string;
  sourceArn: string;
  destinationArn?: string;
  rate?: number;
  status: 'RUNNING' | 'COMPLETED';
  moved: number;
  toMove: number;
  startedAt: number;
}

export interface SqsWithMoveTasks {
  /** http://127.0.0.1:PORT, for AWS_ENDPOINT_URL_SQS. */
  url: string;
  /** The SQS operations the stand-in received, in order (forwarded ones included). */
  readonly operations: string[];
  /** The StartMessageMoveTask requests, as sent. */
  readonly startRequests: Array<Record<string, unknown>>;
  /** Records a task that is still running on `sourceArn`, as if started earlier; returns its handle. */
  seedRunningTask(sourceArn: string, progress?: { moved: number; toMove: number }): string;
  close(): Promise<void>;
}

const JSON_CONTENT = 'application/x-amz-json-1.0';

/**
 * SQS as AWS serves it, move tasks included: a loopback server in front of
 * fauxqs that answers StartMessageMoveTask and ListMessageMoveTasks itself and
 * forwards every other operation to fauxqs unchanged. A started task moves
 * the messages (receive, send, delete on fauxqs) before its handle is
 * returned, so it is COMPLETED by the first ListMessageMoveTasks; like AWS,
 * the list shows a task handle only while the task runs.
 */
export async function startSqsWithMoveTasks(fauxqsAddress: string, region: string): Promise<SqsWithMoveTasks> {
  const fauxqs = new SQSClient({
    endpoint: fauxqsAddress,
    region,
    useQueueUrlAsEndpoint: false,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const tasks: MoveTask[] = [];
  const operations: string[] = [];
  const startRequests: Array<Record<string, unknown>> = [];
  let sequence = 0;

  const urlOfArn = async (arn: string) => {
    const [, , , , account, name] = arn.split(':');
    return (await fauxqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }))).QueueUrl!;
  };
  const sourceOfDeadLetterQueue = async (deadLetterArn: string) => {
    for (const url of (await fauxqs.send(new ListQueuesCommand({}))).QueueUrls ?? []) {
      const policy = (await fauxqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy'] }))).Attributes
        ?.RedrivePolicy;
      if (policy !== undefined && (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn === deadLetterArn)
        return url;
    }
    throw new Error(`no queue uses ${deadLetterArn} as its dead-letter queue`);
  };
  const runTask = async (task: MoveTask) => {
    const from = await urlOfArn(task.sourceArn);
    const to = task.destinationArn === undefined ? await sourceOfDeadLetterQueue(task.sourceArn) : await urlOfArn(task.destinationArn);
    for (;;) {
      const messages =
        (await fauxqs.send(new ReceiveMessageCommand({ QueueUrl: from, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] })))
          .Messages ?? [];
      if (messages.length === 0) break;
      await fauxqs.send(
        new SendMessageBatchCommand({
          QueueUrl: to,
          Entries: messages.map((message, index) => ({
            Id: `m${index}`,
            MessageBody: message.Body!,
            MessageAttributes: message.MessageAttributes,
          })),
        }),
      );
      await fauxqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: from,
          Entries: messages.map((message, index) => ({ Id: `m${index}`, ReceiptHandle: message.ReceiptHandle })),
        }),
      );
      task.moved += messages.length;
    }
    task.status = 'COMPLETED';
  };

  const own: Record<string, (input: Record<string, unknown>) => Promise<unknown>> = {
    async StartMessageMoveTask(input) {
      startRequests.push(input);
      const sourceArn = String(input.SourceArn);
      const attributes = await fauxqs.send(
        new GetQueueAttributesCommand({ QueueUrl: await urlOfArn(sourceArn), AttributeNames: ['ApproximateNumberOfMessages'] }),
      );
      sequence += 1;
      const task: MoveTask = {
        handle: `task-${sequence}`,
        sourceArn,
        ...(input.DestinationArn === undefined ? {} : { destinationArn: String(input.DestinationArn) }),
        ...(input.MaxNumberOfMessagesPerSecond === undefined ? {} : { rate: Number(input.MaxNumberOfMessagesPerSecond) }),
        status: 'RUNNING',
        moved: 0,
        toMove: Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0),
        startedAt: Date.now() + sequence,
      };
      tasks.push(task);
      await runTask(task);
      return { TaskHandle: task.handle };
    },
    async ListMessageMoveTasks(input) {
      const results = tasks
        .filter((task) => task.sourceArn === input.SourceArn)
        .sort((a, b) => b.startedAt - a.startedAt)
        .map((task) => ({
          ...(task.status === 'RUNNING' ? { TaskHandle: task.handle } : {}),
          Status: task.status,
          SourceArn: task.sourceArn,
          ...(task.destinationArn === undefined ? {} : { DestinationArn: task.destinationArn }),
          ...(task.rate === undefined ? {} : { MaxNumberOfMessagesPerSecond: task.rate }),
          ApproximateNumberOfMessagesMoved: task.moved,
          ApproximateNumberOfMessagesToMove: task.toMove,
          StartedTimestamp: task.startedAt,
        }));
      return { Results: results };
    },
  };

  const forward = async (request: IncomingMessage, body: Buffer, response: ServerResponse) => {
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => !['host', 'connection', 'content-length', 'transfer-encoding'].includes(name)),
    ) as Record<string, string>;
    const answer = await fetch(`${fauxqsAddress}${request.url ?? '/'}`, { method: request.method ?? 'POST', headers, body });
    const passed: Record<string, string> = {};
    for (const name of ['content-type', 'x-amzn-query-error', 'x-amzn-requestid']) {
      const value = answer.headers.get(name);
      if (value !== null) passed[name] = value;
    }
    response.writeHead(answer.status, passed);
    response.end(Buffer.from(await answer.arrayBuffer()));
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(request.headers['x-amz-target'] ?? '').replace('AmazonSQS.', '');
      operations.push(operation);
      const handler = own[operation];
      const work = handler
        ? handler(JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>).then((result) => {
            response.writeHead(200, { 'content-type': JSON_CONTENT });
            response.end(JSON.stringify(result));
          })
        : forward(request, body, response);
      work.catch((error: unknown) => {
        response.writeHead(500, { 'content-type': JSON_CONTENT });
        response.end(JSON.stringify({ __type: 'com.amazonaws.sqs#InternalError', message: String(error) }));
      });
    });
  });
  const url = await listenOnLoopback(server);

  return {
    url,
    operations,
    startRequests,
    seedRunningTask(sourceArn, progress = { moved: 3, toMove: 10 }) {
      sequence += 1;
      const task: MoveTask = {
        handle: `task-${sequence}`,
        sourceArn,
        status: 'RUNNING',
        ...progress,
        startedAt: Date.now() + sequence,
      };
      tasks.push(task);
      return task.handle;
    },
    close: () =>
      new Promise<void>((resolve) => {
        fauxqs.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
