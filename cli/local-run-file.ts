import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { isAlive } from '../local/run/run-lock';

/**
 * What a running `start` tells other commands in other terminals: where its
 * queue is, so `enqueue` with no --queue-url sends there, and where its
 * Secrets Manager is, so `rotate` puts the new version where the run sees it.
 */
export const stackFileSchema = z.object({
  queueUrl: z.string(),
  /** The SQS endpoint to call, when it is not the SDK's default (a local SQS server). */
  sqsEndpoint: z.string().optional(),
  /** The Secrets Manager endpoint to call, when it is the local stand-in: where `rotate` puts a new secret version. */
  secretsManagerEndpoint: z.string().optional(),
  region: z.string(),
  eventsFile: z.string(),
  pid: z.number(),
  /** The worker process, which stops by itself when the run's process is gone. */
  workerPid: z.number().optional(),
  /** The ledger's table and DynamoDB endpoint (dynalite), where `status` reads what the run recorded. */
  ledgerTableName: z.string().optional(),
  dynamodbEndpoint: z.string().optional(),
  /** What `rotate` refuses a secret name outside of, and where `status --fivetran` finds the API key and the API. */
  credentialsSecretPrefix: z.string().optional(),
  fivetranApiSecretId: z.string().optional(),
  fivetranApiUrl: z.string().optional(),
});
export type StackFile = z.infer<typeof stackFileSchema>;

export const stackFilePath = (runDir: string) => join(runDir, 'stack.json');

export function writeStackFile(runDir: string, stack: StackFile): void {
  writeFileSync(stackFilePath(runDir), `${JSON.stringify(stack, null, 2)}\n`);
}

/** Removes the file if it is this process's. */
export function removeStackFile(runDir: string, pid: number = process.pid): void {
  const stack = readStack(runDir);
  if (stack === 'unreadable' || stack?.pid === pid) rmSync(stackFilePath(runDir), { force: true });
}

/** The running stack's details, or undefined when none is running (no file, or its process is gone). */
export function readStackFile(runDir: string): StackFile | undefined {
  const stack = readStack(runDir);
  if (stack === undefined || stack === 'unreadable' || !isAlive(stack.pid)) return undefined;
  return stack;
}

function readStack(runDir: string): StackFile | 'unreadable' | undefined {
  const path = stackFilePath(runDir);
  if (!existsSync(path)) return undefined;
  try {
    const parsed = stackFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data : 'unreadable';
  } catch {
    return 'unreadable';
  }
}
