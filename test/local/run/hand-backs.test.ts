import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAND_BACK_LOG_MESSAGES } from '../../../functions/provision/record-log';
import { followHandBacks, type HandBack, parseHandBack } from '../../../local/run/hand-backs';
import { formatHandBack } from '../../../local/run/report';

const logLine = (message: string, fields: Record<string, unknown>) =>
  JSON.stringify({ level: 'WARN', message, timestamp: '2026-01-01T00:00:00.000Z', service: 'fivetran-provisioner', ...fields });

describe('records handed back, as the terminal shows them', () => {
  it('reads a hand-back from the handler log line, and nothing from any other line', () => {
    const line = logLine(HAND_BACK_LOG_MESSAGES.transient, {
      requestId: 'more-1',
      sqsMessageId: 'm-1',
      errorCode: 'FIVETRAN_UNAVAILABLE',
      reason: 'GET /v1/groups/g/connections: connection refused (ECONNREFUSED); will retry',
      deliveries: 2,
    });
    expect(parseHandBack(line)).toEqual({
      kind: 'transient',
      requestId: 'more-1',
      sqsMessageId: 'm-1',
      errorCode: 'FIVETRAN_UNAVAILABLE',
      reason: 'GET /v1/groups/g/connections: connection refused (ECONNREFUSED); will retry',
      deliveries: 2,
    });
    expect(parseHandBack(logLine('Connection provisioned', { requestId: 'more-1' }))).toBeUndefined();
    expect(parseHandBack('not json')).toBeUndefined();
  });

  it('prints one line per hand-back, with the delivery, the code and the fault', () => {
    const base: HandBack = {
      kind: 'transient',
      requestId: 'more-1',
      sqsMessageId: 'm',
      errorCode: 'FIVETRAN_UNAVAILABLE',
      reason: 'GET /v1/x: connection refused (ECONNREFUSED); will retry',
      deliveries: 2,
    };
    expect(formatHandBack(base, 5)).toBe(
      'retry  more-1  FIVETRAN_UNAVAILABLE  delivery 2 of 5 handed back: GET /v1/x: connection refused (ECONNREFUSED)',
    );
    expect(formatHandBack({ ...base, kind: 'exhausted', deliveries: 5 }, 5)).toBe(
      'retry  more-1  FIVETRAN_UNAVAILABLE  delivery 5 of 5: retries exhausted, off to the dead-letter queue: GET /v1/x: connection refused (ECONNREFUSED)',
    );
    expect(
      formatHandBack(
        { ...base, kind: 'notPublished', errorCode: 'GROUP_NOT_FOUND', reason: 'ThrottlingException', deliveries: undefined },
        5,
      ),
    ).toBe('retry  more-1  its GROUP_NOT_FOUND event could not be published; handed back: ThrottlingException');
  });

  it('follows the log as the worker appends to it, and reads what is left when stopped', async () => {
    // given a follower on an empty log
    const log = join(mkdtempSync(join(tmpdir(), 'hand-backs-')), 'handler.log');
    writeFileSync(log, '');
    const seen: HandBack[] = [];
    const follower = followHandBacks(log, (handBack) => seen.push(handBack));
    // when the worker writes an ordinary line, a hand-back, and another just before the stop
    appendFileSync(
      log,
      `${logLine('Retrying Fivetran', { requestId: 'a' })}\n${logLine(HAND_BACK_LOG_MESSAGES.transient, { requestId: 'a', deliveries: 1 })}\n`,
    );
    const deadline = Date.now() + 5_000;
    while (seen.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    appendFileSync(log, `${logLine(HAND_BACK_LOG_MESSAGES.exhausted, { requestId: 'b', deliveries: 5 })}\n`);
    follower.stop();
    // then both hand-backs were reported, in order
    expect(seen.map((handBack) => [handBack.kind, handBack.requestId])).toEqual([
      ['transient', 'a'],
      ['exhausted', 'b'],
    ]);
  });
});
