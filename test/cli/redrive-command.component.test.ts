import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDRIVE_USAGE, runRedrive } from '../../cli/commands/redrive';
import { contents, createQueuePair, deadLetter, type RedriveWorld, recordingIo, startRedriveWorld } from './support/redrive-world';

/**
 * `redrive` as an operator runs it, over the real AWS SDK: against fauxqs,
 * which lacks move tasks (the fallback), and against fauxqs behind a stand-in
 * that adds StartMessageMoveTask and ListMessageMoveTasks (as on AWS).
 */
let world: RedriveWorld;
beforeAll(async () => {
  world = await startRedriveWorld();
});
afterAll(async () => {
  await world?.close();
});

const requestBody = (n: number) => JSON.stringify({ requestId: `req-${n}` });

describe('redrive on an SQS server without move tasks', () => {
  it('moves every dead letter, attributes included, to the queue whose redrive policy names the dead-letter queue', async () => {
    // given twelve dead letters (more than one batch) on the local SQS server
    world.useLocalSqs();
    const { queue, dlq } = await createQueuePair(world);
    deadLetter(
      world,
      dlq.name,
      Array.from({ length: 12 }, (_, i) => requestBody(i)),
    );
    const { io, stdout, stderr } = recordingIo();

    // when the operator redrives by ARN, naming no destination
    const exitCode = await runRedrive(['--dlq', dlq.arn, '--rate', '500'], io);

    // then it fell back to receive/send/delete and moved all twelve, each once, with their version attribute
    expect(exitCode).toBe(0);
    expect(stderr.join('\n')).toContain('no StartMessageMoveTask');
    expect(stdout[0]).toBe(
      `Moved 12 message(s) from ${dlq.url} to ${queue.url} with receive, send and delete (the SQS server has no move tasks).`,
    );
    const moved = contents(world, queue.name).ready;
    expect(moved.map((message) => message.body).sort()).toEqual(Array.from({ length: 12 }, (_, i) => requestBody(i)).sort());
    expect(moved.every((message) => message.schemaVersion === '1')).toBe(true);
    expect(contents(world, dlq.name)).toEqual({ ready: [], inFlight: 0 });
  });

  it('never deletes a dead letter whose send failed', async () => {
    // given a destination that refuses messages over 1 KiB, and one dead letter larger than that
    world.useLocalSqs();
    const { dlq } = await createQueuePair(world);
    const { queue: small } = await createQueuePair(world, { MaximumMessageSize: '1024' });
    const large = JSON.stringify({ requestId: 'large', padding: 'x'.repeat(2_000) });
    deadLetter(world, dlq.name, [requestBody(1), large, requestBody(2)]);
    const { io, stdout } = recordingIo();

    // when they are redriven there
    const exitCode = await runRedrive(['--dlq', dlq.url, '--to', small.url], io);

    // then the two small ones moved, and the large one is still in the dead-letter queue
    expect(exitCode).toBe(1);
    expect(
      contents(world, small.name)
        .ready.map((message) => message.body)
        .sort(),
    ).toEqual([requestBody(1), requestBody(2)]);
    const left = contents(world, dlq.name);
    expect(left.ready.length + left.inFlight).toBe(1);
    expect(world.fauxqs.inspectQueue(dlq.name)!.messages.inflight[0]!.message.body).toBe(large);
    expect(stdout.join('\n')).toMatch(/1 message\(s\) could not be sent; they are still in the dead-letter queue/);
    expect(stdout.join('\n')).toMatch(/shorter than 1024 bytes/);
  });

  it('refuses to guess when no queue uses the dead-letter queue', async () => {
    // given a queue that is no queue's dead-letter queue
    world.useLocalSqs();
    const orphan = (await createQueuePair(world)).queue;
    deadLetter(world, orphan.name, [requestBody(1)]);
    const { io, stderr } = recordingIo();

    // when it is redriven with no destination, then nothing moves and the operator is asked for --to
    expect(await runRedrive(['--dlq', orphan.url], io)).toBe(3);
    expect(stderr.join('\n')).toContain('NO_SOURCE_QUEUE');
    expect(contents(world, orphan.name).ready).toHaveLength(1);
  });

  it('says the queue does not exist', async () => {
    world.useLocalSqs();
    const { io, stderr } = recordingIo();
    expect(await runRedrive(['--dlq', 'arn:aws:sqs:eu-west-1:000000000000:no-such-dlq'], io)).toBe(3);
    expect(stderr.join('\n')).toContain('QUEUE_NOT_FOUND');
  });
});

describe('redrive with SQS move tasks', () => {
  it('starts a move task at the given rate, after checking that none runs, and prints its handle', async () => {
    // given dead letters on an SQS server with move tasks
    world.useSqsWithMoveTasks();
    const { queue, dlq } = await createQueuePair(world);
    deadLetter(world, dlq.name, [requestBody(1), requestBody(2)]);
    const operationsBefore = world.withMoveTasks.operations.length;
    const { io, stdout } = recordingIo();

    // when the operator redrives to the queue by ARN at 25 a second
    const exitCode = await runRedrive(['--dlq', dlq.url, '--to', queue.arn, '--rate', '25'], io);

    // then ListMessageMoveTasks came before the one StartMessageMoveTask, which carried the rate and destination
    expect(exitCode).toBe(0);
    const moveOperations = world.withMoveTasks.operations
      .slice(operationsBefore)
      .filter((operation) => operation.includes('MessageMoveTask'));
    expect(moveOperations).toEqual(['ListMessageMoveTasks', 'StartMessageMoveTask']);
    expect(world.withMoveTasks.startRequests.at(-1)).toEqual({
      SourceArn: dlq.arn,
      DestinationArn: queue.arn,
      MaxNumberOfMessagesPerSecond: 25,
    });
    expect(stdout).toContain(`Task handle: ${`task-${world.withMoveTasks.startRequests.length}`}`);
  });

  it('refuses to start a second move task while one runs on the dead-letter queue', async () => {
    // given a move task still running on the dead-letter queue
    world.useSqsWithMoveTasks();
    const { dlq } = await createQueuePair(world);
    deadLetter(world, dlq.name, [requestBody(1)]);
    const running = world.withMoveTasks.seedRunningTask(dlq.arn);
    const startsBefore = world.withMoveTasks.startRequests.length;
    const { io, stderr } = recordingIo();

    // when the operator redrives
    const exitCode = await runRedrive(['--dlq', dlq.arn], io);

    // then nothing was started, and the running task is named
    expect(exitCode).toBe(1);
    expect(world.withMoveTasks.startRequests).toHaveLength(startsBefore);
    expect(stderr.join('\n')).toMatch(new RegExp(`MOVE_TASK_RUNNING: .*3 of 10 moved; task handle ${running}`));
    expect(contents(world, dlq.name).ready).toHaveLength(1);
  });

  it('waits for the task and reports how many moved back to where they came from', async () => {
    // given four dead letters and no destination named
    world.useSqsWithMoveTasks();
    const { queue, dlq } = await createQueuePair(world);
    deadLetter(world, dlq.name, [1, 2, 3, 4].map(requestBody));
    const { io, stdout } = recordingIo();

    // when the operator redrives and waits
    const exitCode = await runRedrive(['--dlq', dlq.arn, '--wait'], io);

    // then the task went without a DestinationArn (back to the source) and the moved count is reported
    expect(exitCode).toBe(0);
    expect(world.withMoveTasks.startRequests.at(-1)).toEqual({ SourceArn: dlq.arn, MaxNumberOfMessagesPerSecond: 10 });
    expect(stdout.at(-1)).toBe('Move task COMPLETED: 4 of 4 message(s) moved.');
    expect(contents(world, queue.name).ready).toHaveLength(4);
  });

  it('uses receive/send/delete for --max, since a move task cannot stop at a count', async () => {
    // given five dead letters on a server that has move tasks
    world.useSqsWithMoveTasks();
    const { queue, dlq } = await createQueuePair(world);
    deadLetter(world, dlq.name, [1, 2, 3, 4, 5].map(requestBody));
    const startsBefore = world.withMoveTasks.startRequests.length;
    const { io, stdout } = recordingIo();

    // when the operator moves at most two
    const exitCode = await runRedrive(['--dlq', dlq.arn, '--max', '2'], io);

    // then exactly two moved, without a move task, and three wait in the dead-letter queue
    expect(exitCode).toBe(0);
    expect(world.withMoveTasks.startRequests).toHaveLength(startsBefore);
    expect(stdout[0]).toContain('Moved 2 message(s)');
    expect(contents(world, queue.name).ready).toHaveLength(2);
    expect(contents(world, dlq.name).ready).toHaveLength(3);
  });
});

describe('redrive command line', () => {
  it.each([
    [[], /needs --dlq/],
    [['--dlq', 'x', '--rate', '0'], /--rate must be a whole number from 1 to 500/],
    [['--dlq', 'x', '--rate', '501'], /--rate must be a whole number from 1 to 500/],
    [['--dlq', 'x', '--max', '2', '--wait'], /--wait applies to a move task/],
    [['--dlq', 'x', '--colour', 'red'], /Unknown option/],
  ])('refuses %j with exit code 2 and the usage', async (args, message) => {
    const { io, stderr } = recordingIo();
    expect(await runRedrive(args, io)).toBe(2);
    expect(stderr.join('\n')).toMatch(message);
    expect(stderr.join('\n')).toContain(REDRIVE_USAGE);
  });

  it('prints the usage for --help', async () => {
    const { io, stdout } = recordingIo();
    expect(await runRedrive(['--help'], io)).toBe(0);
    expect(stdout).toEqual([REDRIVE_USAGE]);
  });
});
