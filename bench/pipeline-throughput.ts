import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { benchRequest } from '../local/world/fixtures';
import { createQueues, sendAll, startBenchServices, startWorker } from './support/pipeline';
import type { BenchmarkResult } from './support/report';
import { round } from './support/stats';

const REQUESTS = 1_000;

/**
 * Target 4: 1,000 requests through the local SQS server, the poller, the real
 * handler and a zero-latency Fivetran sandbox. The services run in a child
 * process, so this process's CPU time is the poller's and the handler's; the
 * same sends, receives and deletes with no handler give the SQS share.
 */
export async function pipelineThroughput(): Promise<BenchmarkResult> {
  const services = await startBenchServices();
  const { sqs } = services;
  try {
    // The raw loop: the same messages sent, received ten at a time and deleted, with no handler.
    const raw = await createQueues(sqs, 'bench-raw');
    const rawCpuStart = process.cpuUsage();
    const rawStarted = performance.now();
    await sendAll(
      sqs,
      raw.queueUrl,
      Array.from({ length: REQUESTS }, (_, i) => benchRequest(`raw_${i}`)),
    );
    for (let received = 0; received < REQUESTS; ) {
      const answer = await sqs.send(new ReceiveMessageCommand({ QueueUrl: raw.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      const messages = answer.Messages ?? [];
      received += messages.length;
      if (messages.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: raw.queueUrl,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
      }
    }
    const rawSeconds = (performance.now() - rawStarted) / 1000;
    const rawCpu = cpuSeconds(process.cpuUsage(rawCpuStart));

    // The pipeline: the same sends, then the poller and the handler until every request has its event.
    const queue = await createQueues(sqs, 'bench-pipeline');
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    await sendAll(
      sqs,
      queue.queueUrl,
      Array.from({ length: REQUESTS }, (_, i) => benchRequest(`pipeline_${i}`)),
    );
    const worker = startWorker(services.addresses, sqs, queue);
    let stats = await services.stats();
    while (stats.events < REQUESTS) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      stats = await services.stats();
    }
    const seconds = (stats.lastEventAt - (performance.timeOrigin + started)) / 1000;
    await worker.stop();
    const pipelineCpu = cpuSeconds(process.cpuUsage(cpuStart));
    const handlerShare = (pipelineCpu - rawCpu) / pipelineCpu;
    const rps = REQUESTS / seconds;
    return {
      id: 'pipeline-throughput',
      title: 'Local pipeline throughput',
      figure: {
        name: 'requests per second, end to end',
        value: round(rps, 1),
        target: 'none set; every request provisioned',
        met: stats.created === REQUESTS,
      },
      details: {
        requests: REQUESTS,
        'connections created': stats.created,
        'wall time, pipeline (s)': round(seconds, 2),
        'wall time, raw SQS loop (s)': round(rawSeconds, 2),
        'CPU, pipeline process (s)': round(pipelineCpu, 2),
        'CPU, raw SQS loop (s)': round(rawCpu, 2),
        "handler's share of the pipeline process's CPU": `${round(handlerShare * 100, 1)} %`,
        'pipeline process busy (CPU ÷ wall time)': `${round((pipelineCpu / seconds) * 100, 1)} %`,
        'Fivetran calls per request': round(stats.calls / REQUESTS, 2),
        'batch size / records at once': '5 / 5 (the stack defaults)',
      },
      notes: [
        "One poller, like one Lambda instance: batches of 5 (the stack default) are handled one after another, each waiting on its round trips to SQS, Fivetran and EventBridge; on AWS, throughput grows with the event source mapping's concurrency.",
        "The handler's share is the pipeline process's CPU time beyond what the same sends, receives and deletes cost without a handler; the services run in a child process and are not counted.",
      ],
    };
  } finally {
    await services.stop();
  }
}

function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}
