import type { SQSClient } from '@aws-sdk/client-sqs';
import { DeadlineReached, settleBefore } from '../aws/aws-calls';
import type { CredentialsTrigger, ReapplyCredentialsRequest } from '../contracts/lifecycle-request';
import { reapplyRequestFor } from '../contracts/lifecycle-request';
import type { ConnectionEntry } from '../ledger/ledger';
import { ReapplySendError } from '../runtime/errors';
import type { Deadline } from '../runtime/retry';
import { enqueue } from './enqueue';

/**
 * What the rotation fan-out and the drift check share: which connections are
 * behind a secret version, the requests that bring them up to it, and how
 * those requests reach the provisioning queue.
 */

/** Puts the requests on the queue, or throws a ReapplySendError naming what was not sent. */
export type SendReapplyRequests = (requests: readonly ReapplyCredentialsRequest[], deadline: Deadline) => Promise<void>;

/** Connections (active or paused) that were given another version of the secret than `versionId`, or none. */
export function connectionsBehind(connections: readonly ConnectionEntry[], versionId: string): ConnectionEntry[] {
  return connections.filter(
    (connection) => (connection.state === 'active' || connection.state === 'paused') && connection.appliedVersionId !== versionId,
  );
}

/** One request per connection behind, with the id `rotate:<connectionId>:<versionId>` whoever sends it. */
export function reapplyRequestsFor(
  connections: readonly ConnectionEntry[],
  versionId: string,
  trigger: CredentialsTrigger,
): ReapplyCredentialsRequest[] {
  return connectionsBehind(connections, versionId).map((connection) => reapplyRequestFor(connection.connectionId, versionId, trigger));
}

/**
 * A sender over the producer: the requests go as the producer sends every
 * request (checked against the worker's contract, in batches, with the schema
 * version attribute), and the wait ends at the deadline.
 */
export function producerSender(options: { queueUrl: string; sqsClient: SQSClient; maxAttempts?: number }): SendReapplyRequests {
  return async (requests, deadline) => {
    if (requests.length === 0) return;
    const sending = enqueue(requests, { queueUrl: options.queueUrl, sqsClient: options.sqsClient, maxAttempts: options.maxAttempts ?? 3 });
    let results: Awaited<typeof sending>;
    try {
      results = await settleBefore(sending, deadline, () => new DeadlineReached('no time left to send the requests'));
    } catch (error) {
      if (!(error instanceof DeadlineReached)) throw error;
      throw new ReapplySendError(
        'DEADLINE_REACHED',
        `The invocation ran out of time while sending ${requests.length} reapply_credentials request(s); the next try sends them again`,
        { cause: error },
      );
    }
    const refused = results.filter((result) => result.status === 'refused');
    const first = refused[0];
    if (first === undefined) return;
    throw new ReapplySendError(
      first.code,
      `${refused.length} of ${requests.length} reapply_credentials request(s) were not sent (first: ${first.requestId ?? 'unknown'}: ${first.reason})`,
    );
  };
}
