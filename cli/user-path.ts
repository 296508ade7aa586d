import { resolve } from 'node:path';

/**
 * A path the user typed, resolved against the directory they typed it in.
 * `npm run` and `npm start` run the command from the repository's root, and
 * tell it where npm was started in INIT_CWD; a direct run has its own cwd.
 */
export function userPath(path: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.INIT_CWD ?? process.cwd(), path);
}
