/**
 * A file a command needs cannot be read or is not what it must be (a request
 * file, the secrets file, the examples). The message names the file and says
 * why in words, once: "cannot read x.jsonl: no such file or directory".
 */
export class FileError extends Error {
  override readonly name = 'FileError';
  readonly code = 'FILE_UNREADABLE';
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'it is a directory, not a file',
  ENOTDIR: 'a part of its path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EROFS: 'the file system is read-only',
};

/**
 * Why a file operation failed, without Node's "ENOENT: …, open 'path'" wrapping.
 *
 * @example fileErrorReason(Object.assign(new Error("ENOENT: no such file or directory, open 'x'"), { code: 'ENOENT' })) // 'no such file or directory'
 */
export function fileErrorReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && REASONS[code] !== undefined) return REASONS[code];
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
}
