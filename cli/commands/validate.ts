import { parseArgs } from 'node:util';
import { checkRequests, reportInvalid } from '../check-requests';
import type { CliIo } from '../io';
import { readRequests } from '../request-file';
import { UsageError } from '../usage-error';

/** `validate <file|->`: checks requests against the request schema without sending them. Exit 1 if any is invalid. */
export async function validateCommand(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true, strict: true });
  const source = positionals[0];
  if (source === undefined || positionals.length > 1)
    throw new UsageError('validate takes one file (JSON Lines, or .json), or - for stdin');
  const checked = checkRequests(await readRequests(source, io));
  reportInvalid(checked, io);
  const total = checked.valid.length + checked.invalid.length;
  io.out(`${checked.valid.length} of ${total} request(s) valid${checked.invalid.length > 0 ? `, ${checked.invalid.length} invalid` : ''}`);
  return checked.invalid.length === 0 && total > 0 ? 0 : 1;
}
