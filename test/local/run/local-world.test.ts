import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REDRIVE_USAGE } from '../../../cli/commands/redrive';
import {
  ENQUEUE_USAGE,
  EVENTS_USAGE,
  ROTATE_USAGE,
  SCHEMA_USAGE,
  START_USAGE,
  STATUS_USAGE,
  USAGE,
  VALIDATE_USAGE,
} from '../../../cli/usage';
import { DEFAULT_SANDBOX_GROUP } from '../../../local/run/local-servers';
import { loadSecretsFile } from '../../../local/run/secrets-file';
import { LOCAL_REQUEST_FILE, LOCAL_WORKER_ENV } from '../../../local/run/settings';
import { validateRequest } from '../../../shared/producer';
import { ROOT } from '../../support/cli-process';

/**
 * docs/local-run.md describes the local world, docs/contracts.md and the README show the request example, and the
 * README, docs/ and cli/README.md show the commands; these tests hold that text to the code, so that a change to the
 * local secrets, groups or options shows up here until the documents follow.
 */
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const README = read('README.md');
const LOCAL_RUN = read('docs/local-run.md');
const CONTRACTS = read('docs/contracts.md');
const DOCUMENTS = [
  README,
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => read(`docs/${name}`)),
  read('cli/README.md'),
].join('\n');
const SECRETS = loadSecretsFile(join(ROOT, 'local/secrets.example.json'));
const PREFIX = LOCAL_WORKER_ENV.CREDENTIALS_SECRET_PREFIX!;
const API_KEY_SECRET = LOCAL_WORKER_ENV.FIVETRAN_API_SECRET_ID!;

/** The text of a document from `heading` to the next heading of level 2 or 3. */
function section(document: string, heading: string): string {
  const start = document.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`no "${heading}" in the document`);
  const next = document.slice(start + heading.length).search(/\n#{2,3} /);
  return document.slice(start, next < 0 ? undefined : start + heading.length + next);
}

describe('the local world, as docs/local-run.md tells it', () => {
  it('names the sandbox group, the API key secret, the credentials prefix and every credentials secret the run serves', () => {
    const text = section(LOCAL_RUN, '## The local world');
    const credentials = Object.keys(SECRETS).filter((name) => name.startsWith(PREFIX));
    expect(credentials.length).toBeGreaterThan(0);
    for (const name of [DEFAULT_SANDBOX_GROUP, API_KEY_SECRET, PREFIX, ...credentials]) expect(text).toContain(`\`${name}\``);
    expect(Object.keys(SECRETS).sort()).toEqual([API_KEY_SECRET, ...credentials].sort());
  });

  it.each([
    ['docs/contracts.md', CONTRACTS, '## The request (SQS message body)'],
    ['README.md', README, '### A request'],
  ])("%s shows as the request contract's example the request file that is valid in it", (_name, document, heading) => {
    // given the document's example request and examples/request.json
    const block = /```json\n([\s\S]*?)```/.exec(section(document, heading))![1]!;
    const request = JSON.parse(readFileSync(LOCAL_REQUEST_FILE, 'utf8')) as {
      connection: { group_id: string };
      credentialsSecretId: string;
    };
    // then they are the same request, valid by contract, for the sandbox's group and a credentials secret the run serves
    expect(JSON.parse(block)).toEqual(request);
    expect(validateRequest(request).ok).toBe(true);
    expect(request.connection.group_id).toBe(DEFAULT_SANDBOX_GROUP);
    expect(request.credentialsSecretId.startsWith(PREFIX)).toBe(true);
    expect(Object.keys(SECRETS)).toContain(request.credentialsSecretId);
  });
});

describe('the commands the README and the documents show', () => {
  const usages: Record<string, string> = {
    start: START_USAGE,
    enqueue: ENQUEUE_USAGE,
    validate: VALIDATE_USAGE,
    events: EVENTS_USAGE,
    schema: SCHEMA_USAGE,
    redrive: REDRIVE_USAGE,
    status: STATUS_USAGE,
    rotate: ROTATE_USAGE,
  };
  /** Every `npm run cli -- …` and `npm start -- …` in the documents, as command and options. */
  const commandLines = [...DOCUMENTS.matchAll(/npm (?:run (?:-s )?cli --|start --) ?([^`\n#]*)/g)].map((match) => match[0]);

  it('names only commands the CLI has, and options each one takes', () => {
    expect(commandLines.length).toBeGreaterThan(10);
    for (const line of commandLines) {
      const words = line
        .replace(/^npm (run (-s )?cli --|start --)/, (prefix) => (prefix.startsWith('npm start') ? 'start' : ''))
        .trim()
        .split(/\s+/);
      const [command, ...rest] = words;
      if (command === undefined || command === '' || command.startsWith('-') || command === '<command>') continue;
      expect(Object.keys(usages), line).toContain(command);
      // --help and --version every command takes.
      for (const option of rest.filter((word) => /^--[a-z]/.test(word) && word !== '--help' && word !== '--version'))
        expect(usages[command], `${line}: ${option}`).toContain(option.replace(/=.*$/, ''));
    }
    expect(USAGE).toContain('--version');
  });
});
