import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * What a running `start` tells other commands in other terminals: where its
 * queue is, so `enqueue` with no --queue-url sends there.
 */
export const stackFileSchema = z.object({
  queueUrl: z.string(),
  /** The SQS endpoint to call, when it is not the SDK's default (a local SQS server). */
  sqsEndpoint: z.string().optional(),
  region: z.string(),
  eventsFile: z.string(),
  pid: z.number(),
});
export type StackFile = z.infer<typeof stackFileSchema>;

export const stackFilePath = (runDir: string) => join(runDir, 'stack.json');

export function writeStackFile(runDir: string, stack: StackFile): void {
  writeFileSync(stackFilePath(runDir), `${JSON.stringify(stack, null, 2)}\n`);
}

/** Removes the file if it is this process's: a second run in the same directory may have replaced it. */
export function removeStackFile(runDir: string, pid: number = process.pid): void {
  const path = stackFilePath(runDir);
  if (!existsSync(path)) return;
  const parsed = stackFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success || parsed.data.pid === pid) rmSync(path, { force: true });
}

/** The running stack's details, or undefined when none is running (no file, or its process is gone). */
export function readStackFile(runDir: string): StackFile | undefined {
  const path = stackFilePath(runDir);
  if (!existsSync(path)) return undefined;
  const parsed = stackFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success || !isAlive(parsed.data.pid)) return undefined;
  return parsed.data;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
