import type { SQSClient } from '@aws-sdk/client-sqs';
import type { RefusalCode } from '../contracts/error-codes';
import type { BackoffOptions } from '../runtime/retry';

export type EnqueueResult =
  | {
      /** Position of the request in the input. */
      index: number;
      status: 'sent';
      requestId: string;
      messageId: string;
      /** SendMessageBatch calls this entry took (1 unless re-sent). */
      attempts: number;
    }
  | {
      index: number;
      status: 'refused';
      /** null when the request has no readable requestId. */
      requestId: string | null;
      code: RefusalCode;
      /** Names each field that is wrong, or the SQS error; never a secret (requests hold none). */
      reason: string;
      attempts: number;
    };

export interface EnqueueProgress {
  total: number;
  sent: number;
  refused: number;
}

export interface EnqueueOptions {
  queueUrl: string;
  /**
   * Default: `createSqsClient()`, which follows `AWS_ENDPOINT_URL_SQS` and the usual AWS variables; with no
   * region configured, the region of `queueUrl` (https://sqs.<region>.amazonaws.com/…).
   */
  sqsClient?: SQSClient;
  /** SendMessageBatch calls per entry, the first included, before it is given up as SQS_UNAVAILABLE. Default 5. */
  maxAttempts?: number;
  backoff?: BackoffOptions;
  /** Batches in flight at once. Default 4. */
  concurrency?: number;
  /** Upper bound of one batch's payload; SQS's limit unless a test shrinks it. */
  maxBatchBytes?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called whenever a request is settled (sent or refused). */
  onProgress?: (progress: EnqueueProgress) => void;
}
