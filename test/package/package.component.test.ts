import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqsClient } from '../../shared/aws/sqs-client';
import { eventJsonSchemas, requestJsonSchema } from '../../shared/contracts/json-schemas';
import { parseProvisioningRequest } from '../../shared/contracts/request-parser';
import { ROOT } from '../support/cli-process';

/**
 * The package as another project gets it: packed with `npm pack` (which builds dist/ through `prepare`), installed
 * from the tarball into an empty project with the npm cache `npm ci` filled, and used from there: both entry points
 * under Node.js, their types under TypeScript, and the command.
 */

const NAME = 'fivetran-provisioner';
const EXAMPLE_REQUEST = JSON.parse(readFileSync(join(ROOT, 'examples/request.json'), 'utf8')) as Record<string, unknown>;
const typescriptPackage = createRequire(import.meta.url).resolve('typescript/package.json');
const TSC = join(dirname(typescriptPackage), (JSON.parse(readFileSync(typescriptPackage, 'utf8')) as { bin: { tsc: string } }).bin.tsc);

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment a person's shell would give: none of the variables an outer `npm test` sets, which would steer
 * the inner npm (npm_*) or move where the command reads paths from (INIT_CWD).
 */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const fromNpm = (name: string) => name.toLowerCase().startsWith('npm_') || name === 'INIT_CWD';
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !fromNpm(name)));
  return { ...env, ...extra };
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/** npm as the outer `npm test` ran it when there is one (the same npm and Node.js), else the npm on PATH. */
function npm(args: readonly string[], cwd: string): Promise<Ran> {
  const npmCli = process.env.npm_execpath;
  return npmCli?.endsWith('.js') ? run(process.execPath, [npmCli, ...args], cwd) : run('npm', args, cwd);
}

function succeeded(ran: Ran, what: string): string {
  if (ran.code !== 0) throw new Error(`${what} exited with ${ran.code}:\n${ran.stdout}\n${ran.stderr}`);
  return ran.stdout;
}

/** Uses both entry points as plain JavaScript: checks and enqueues requests, reads a schema, prints what it got. */
const NODE_CONSUMER = `
import { readFileSync } from 'node:fs';
import { eventJsonSchemas, FAILURE_CODES, requestJsonSchema } from '${NAME}/contracts';
import { enqueue, validateRequest } from '${NAME}/producer';

const request = JSON.parse(readFileSync('request.json', 'utf8'));
const invalid = { ...request, requestId: 'has spaces' };
const results = await enqueue([request, invalid], { queueUrl: process.env.QUEUE_URL, maxAttempts: 1 });
console.log(JSON.stringify({
  validation: validateRequest(invalid),
  results,
  provisioned: eventJsonSchemas['Connection Provisioned'],
  detailTypes: Object.keys(eventJsonSchemas),
  requestSchema: requestJsonSchema,
  failureCodes: FAILURE_CODES,
}));
`;

/** Uses both entry points from TypeScript; each @ts-expect-error fails the check if a type turned into any. */
const TYPESCRIPT_CONSUMER = `
import {
  type BackfillCompletedDetail,
  type ConnectionProvisionedDetail,
  type ConnectionProvisioningFailedDetail,
  type EventDetailType,
  eventJsonSchemas,
  FAILURE_CODES,
  type FailureCode,
  type ProvisioningRequest,
  requestJsonSchema,
} from '${NAME}/contracts';
import { type EnqueueResult, enqueue, type RequestValidation, validateRequest } from '${NAME}/producer';

const request: ProvisioningRequest = {
  requestId: 'team-a-gitlab',
  connection: { group_id: 'g', service: 'gitlab', config: { schema: 'gitlab_team_a', auth: 'personal_access_token' } },
  credentialsSecretId: 'fivetran/gitlab/g/team-pat',
};
const results: EnqueueResult[] = await enqueue([request], { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/requests' });
export const sent: string[] = results.flatMap((result) => (result.status === 'sent' ? [result.messageId] : []));
export const validation: RequestValidation = validateRequest(request);
export const onProvisioned = (detail: ConnectionProvisionedDetail): string => \`\${detail.connectionId} \${detail.outcome}\`;
export const onFailed = (detail: ConnectionProvisioningFailedDetail): FailureCode => detail.errorCode;
export const onBackfill = (detail: BackfillCompletedDetail): number => detail.counts.enqueued;
const detailType: EventDetailType = 'Backfill Completed';
export const schemas = [requestJsonSchema, eventJsonSchemas[detailType], FAILURE_CODES[0]];

// @ts-expect-error: the provisioner publishes no such detail-type
export const unknownEvent = eventJsonSchemas['Connection Deleted'];
// @ts-expect-error: a request is for a GitLab connection
export const otherService: ProvisioningRequest = { ...request, connection: { ...request.connection, service: 'github' } };
// @ts-expect-error: a refused result has no messageId
export const refused = results.map((result) => result.status === 'refused' && result.messageId);
// @ts-expect-error: enqueue needs the queue's URL
void enqueue([request], {});
`;

/** Consumers resolve packages in one of two ways: as Node.js does, or as a bundler does. */
const TSCONFIGS = {
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
  bundler: { module: 'preserve', moduleResolution: 'bundler' },
};

let work: string;
let consumer: string;
let packed: { filename: string; files: Array<{ path: string }> };
let fauxqs: Awaited<ReturnType<typeof startFauxqs>>;
let sqs: SQSClient;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'provisioner-package-'));
  consumer = join(work, 'consumer');
  // given the package packed as npm publishes it, and a project that installs the tarball
  packed = JSON.parse(succeeded(await npm(['pack', '--json', '--pack-destination', work], ROOT), 'npm pack'))[0];
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const tarball = join(work, packed.filename);
  succeeded(await npm(['install', tarball, '--no-audit', '--no-fund', '--prefer-offline'], consumer), 'npm install <tarball>');
  fauxqs = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
  sqs = createSqsClient({ endpoint: fauxqs.address });
}, 120_000);

afterAll(async () => {
  sqs?.destroy();
  await fauxqs?.stop();
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('the package, installed from its tarball into another project', () => {
  it('ships the command and the compiled entry points with their types, and no sources, tests or infrastructure', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'bin/fivetran-provisioner.js', 'dist/cli/main.js']));
    expect(paths).toEqual(
      expect.arrayContaining([
        'dist/producer/index.js',
        'dist/producer/index.d.ts',
        'dist/contracts/index.js',
        'dist/contracts/index.d.ts',
      ]),
    );
    const unexpected = paths.filter((path) => !/^(?:package\.json|README\.md|LICENSE|bin\/[\w-]+\.js|dist\/.+\.(?:js|d\.ts))$/.test(path));
    expect(unexpected).toEqual([]);
  });

  it('names exactly the producer and contracts entry points, and depends at run time on the SQS client and zod only', () => {
    const installed = JSON.parse(readFileSync(join(consumer, 'node_modules', NAME, 'package.json'), 'utf8'));
    expect(Object.keys(installed.exports)).toEqual(['./producer', './contracts']);
    expect(Object.keys(installed.dependencies).sort()).toEqual(['@aws-sdk/client-sqs', 'zod']);
    const lockfile = JSON.parse(readFileSync(join(consumer, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    const installedPackages = Object.keys(lockfile.packages).map((path) => path.replace(/^.*node_modules\//, ''));
    for (const devOnly of ['aws-cdk-lib', '@aws-lambda-powertools/logger', '@middy/core', 'fauxqs', 'tsx', 'vitest', 'typescript']) {
      expect(installedPackages).not.toContain(devOnly);
    }
  });

  it('enqueues a valid request on a real queue from plain Node.js, and refuses an invalid one naming the field', async () => {
    // given a queue, and the example request beside the consumer
    const { queueUrl } = fauxqs.createQueue('package-consumer');
    writeFileSync(join(consumer, 'consumer.mjs'), NODE_CONSUMER);
    writeFileSync(join(consumer, 'request.json'), JSON.stringify(EXAMPLE_REQUEST));
    // when the consumer imports both entry points and enqueues the request and an invalid copy of it
    const env = cleanEnv({ QUEUE_URL: queueUrl, AWS_ENDPOINT_URL_SQS: fauxqs.address, AWS_REGION: 'us-east-1' });
    const printed = JSON.parse(succeeded(await run(process.execPath, ['consumer.mjs'], consumer, env), 'node consumer.mjs'));
    // then the valid one is on the queue as a body the worker accepts, and the invalid one was refused and never sent
    expect(printed.results.map((result: { status: string }) => result.status)).toEqual(['sent', 'refused']);
    expect(printed.results[1]).toMatchObject({ code: 'INVALID_REQUEST', reason: expect.stringContaining('requestId') });
    expect(printed.validation).toMatchObject({ ok: false, reason: expect.stringContaining('requestId') });
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    expect(received.Messages?.map((message) => message.MessageId)).toEqual([printed.results[0].messageId]);
    const parsed = parseProvisioningRequest(received.Messages![0]!.Body!);
    expect(parsed.ok && parsed.request.requestId).toBe(EXAMPLE_REQUEST.requestId);
  });

  it('gives subscribers the JSON Schemas of the contracts, keyed by detail-type, the same objects the repository generates', async () => {
    writeFileSync(join(consumer, 'consumer.mjs'), NODE_CONSUMER);
    writeFileSync(join(consumer, 'request.json'), JSON.stringify(EXAMPLE_REQUEST));
    // when enqueue has no queue to reach, the schemas are still there to read
    const env = cleanEnv({ QUEUE_URL: 'http://127.0.0.1:9/000000000000/nowhere', AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9' });
    const printed = JSON.parse(succeeded(await run(process.execPath, ['consumer.mjs'], consumer, env), 'node consumer.mjs'));
    expect(printed.detailTypes).toEqual(Object.keys(eventJsonSchemas));
    expect(printed.detailTypes).toEqual(
      expect.arrayContaining([
        'Connection Provisioned',
        'Connection Provisioning Failed',
        'Backfill Completed',
        'Connection Credentials Applied',
      ]),
    );
    expect(printed.provisioned).toEqual(eventJsonSchemas['Connection Provisioned']);
    expect(printed.provisioned.required).toEqual(expect.arrayContaining(['requestId', 'connectionId', 'sqsMessageId']));
    expect(printed.requestSchema).toEqual(requestJsonSchema);
    expect(printed.failureCodes).toContain('SCHEMA_TAKEN');
  });

  it.each(Object.entries(TSCONFIGS))('type-checks a TypeScript consumer of both entry points (%s resolution)', async (name, options) => {
    // given a TypeScript file that uses both entry points, compiled strictly with the repository's tsc
    writeFileSync(join(consumer, 'consumer.ts'), TYPESCRIPT_CONSUMER);
    const compilerOptions = { target: 'ES2023', lib: ['ES2023'], strict: true, noEmit: true, skipLibCheck: true, types: [], ...options };
    writeFileSync(join(consumer, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
    // when it is type-checked, then it passes: every import resolves to its types, and every wrong use is an error
    const ran = await run(process.execPath, [TSC, '-p', `tsconfig.${name}.json`], consumer);
    expect(`${ran.stdout}${ran.stderr}`).toBe('');
    expect(ran.code).toBe(0);
  });

  it('runs its command from the install: validate and schema work, and start says it needs a checkout', async () => {
    const bin = join(consumer, 'node_modules', '.bin', NAME);
    writeFileSync(join(consumer, 'request.json'), JSON.stringify(EXAMPLE_REQUEST));
    const validate = await run(bin, ['validate', 'request.json'], consumer);
    expect(validate).toMatchObject({ code: 0, stdout: expect.stringContaining('1 of 1 request(s) valid') });
    const schema = await run(bin, ['schema', 'events'], consumer);
    expect(JSON.parse(schema.stdout)).toEqual(eventJsonSchemas);
    const start = await run(bin, ['start'], consumer);
    expect(start.code).toBe(3);
    expect(start.stderr).toContain('from a checkout of the repository');
  });
});
