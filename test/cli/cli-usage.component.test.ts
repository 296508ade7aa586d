import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/cli';
import { BIN, captureIo, ROOT } from '../support/cli-process';

async function run(argv: string[], stdin = '') {
  const captured = captureIo(stdin);
  const code = await runCli(argv, captured.io);
  return { code, out: captured.out.join('\n'), err: captured.err.join('\n') };
}

describe('the CLI as a newcomer meets it', () => {
  it('prints its version from package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const result = await run([flag]);
      expect(result.code).toBe(0);
      expect(result.out).toBe(`fivetran-provisioner ${version} (Node.js ${process.version})`);
    }
  });

  it('prints each command its own help, with --help or through help <command>', async () => {
    // given each command and the first line its help must start with
    const expected: Record<string, RegExp> = {
      start: /^Usage: npm start -- \[options\]/,
      enqueue: /^Usage: npm run cli -- enqueue <file\|->/,
      validate: /^Usage: npm run cli -- validate <file\|->/,
      events: /^Usage: npm run cli -- events \[options\]/,
      schema: /^Usage: npm run cli -- schema/,
      redrive: /^Usage: npm run cli -- redrive --dlq/,
      status: /^Usage: npm run cli -- status <requestId\|connectionId>/,
      rotate: /^Usage: npm run cli -- rotate <secretName> <file\|->/,
    };
    for (const [command, firstLine] of Object.entries(expected)) {
      // when its help is asked for either way
      const viaFlag = await run([command, '--help']);
      const viaHelp = await run(['help', command]);
      // then it is that command's help, not the general one
      expect(viaFlag.code).toBe(0);
      expect(viaFlag.out).toMatch(firstLine);
      expect(viaHelp.out).toBe(viaFlag.out);
    }
    expect((await run(['start', '--help'])).out).toContain('--visibility-timeout <s>');
    expect((await run(['--help'])).out).toMatch(/^Usage: npm run cli -- <command>/);
  });

  it('suggests the command or option a typo was meant to be, with exit code 2', async () => {
    const command = await run(['strat']);
    expect(command.code).toBe(2);
    expect(command.err).toMatch(/^Unknown command "strat". Did you mean "start"\?/);
    const option = await run(['enqueue', 'x.jsonl', '--queue-ur', 'http://127.0.0.1:9/q']);
    expect(option.code).toBe(2);
    expect(option.err).toMatch(/^Unknown option '--queue-ur'. Did you mean --queue-url\?\nRun "npm run cli -- enqueue --help"/);
    // and a word near nothing gets no guess
    expect((await run(['provision'])).err).not.toContain('Did you mean');
  });

  it('reports a file it cannot read in one line naming the file, with the same exit code for every command', async () => {
    // given a path where no file is
    const missing = join(mkdtempSync(join(tmpdir(), 'cli-files-')), 'requests.jsonl');
    for (const command of ['validate', 'enqueue']) {
      // when a command is given it
      const result = await run(
        command === 'enqueue' ? [command, missing, '--queue-url', 'http://127.0.0.1:9/000000000000/q'] : [command, missing],
      );
      // then one line says which file and why, without Node's code repeated
      expect(result.code).toBe(3);
      expect(result.err).toBe(`${command}: cannot read ${missing}: no such file or directory`);
    }
    const directory = await run(['validate', ROOT]);
    expect(directory.err).toBe(`validate: cannot read ${ROOT}: it is a directory, not a file`);
  });

  it('names the file when a one-request .json file is invalid', async () => {
    // given a .json file holding one request with a wrong field
    const file = join(mkdtempSync(join(tmpdir(), 'cli-files-')), 'team-b.json');
    writeFileSync(
      file,
      JSON.stringify({ requestId: 'team-b', connection: { group_id: 'sandbox_group', service: 'gitlab', config: { schema: 'Bad' } } }),
    );
    // when it is validated
    const result = await run(['validate', file]);
    // then the message starts with the file, then the field
    expect(result.code).toBe(1);
    expect(result.err).toMatch(new RegExp(`^${file.replaceAll('/', '\\/')}: connection.config.schema: `));
  });

  it('refuses a visibility timeout too short for the local run, and malformed groups and ports, before starting anything', async () => {
    for (const args of [
      ['--visibility-timeout', '0'],
      ['--visibility-timeout', '4'],
      ['--groups', 'ok,not ok'],
      ['--groups', ','],
      ['--port', '80'],
      ['--port', '65533'],
    ]) {
      const result = await run(['start', ...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.out).not.toContain('Starting the provisioner');
    }
    expect((await run(['start', '--visibility-timeout', '2'])).err).toMatch(
      /^--visibility-timeout must be a whole number from 5 to 43200, got "2"/,
    );
  });

  it('refuses an old Node.js in plain words, naming the version it needs, before loading anything', () => {
    // given a Node.js that reports 22.11.0
    const result = spawnSync(
      process.execPath,
      ['--import', 'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"22.11.0"})', BIN, '--version'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    // then the CLI stops at once with the floor and the recommendation
    expect(result.status).toBe(3);
    expect(result.stderr).toBe(
      'fivetran-provisioner needs Node.js 22.12 or newer (24 recommended: the Lambda runtime); this is Node.js 22.11.0.\n',
    );
    expect(result.stdout).toBe('');
  });

  it('ends quietly when its reader stops early, as `| head` does', async () => {
    // given a reader that closes the pipe before the CLI has written
    const child = spawn(process.execPath, [BIN, 'schema'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // when the CLI writes its output, then it exits 0 with nothing on stderr
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
