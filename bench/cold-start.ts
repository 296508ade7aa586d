import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { ESM_REQUIRE_BANNER } from '../infra/constructs/provisioner-function';
import type { BenchmarkResult } from './support/report';
import { median, round } from './support/stats';

const RUNS = 20;
const HANDLER_DESCRIPTION = 'Turns provisioning requests from SQS into Fivetran GitLab connections';
/** What the worker needs at import; dummy values, nothing is called. */
const IMPORT_ENV = {
  FIVETRAN_API_SECRET_ID: 'bench/api-key',
  CREDENTIALS_SECRET_PREFIX: 'bench/gitlab/',
  EVENT_BUS_NAME: 'bench-bus',
  AWS_REGION: 'us-east-1',
  POWERTOOLS_METRICS_DISABLED: 'true',
  // The backfill's and the redrive's required settings.
  PROVISIONING_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/bench',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/bench-dlq',
  DEAD_LETTER_QUEUE_ARN: 'arn:aws:sqs:us-east-1:000000000000:bench-dlq',
  DESTINATION_QUEUE_ARN: 'arn:aws:sqs:us-east-1:000000000000:bench',
};
/** The other functions, built with the settings CDK uses for them (infra/constructs/esm-function.ts); the backfill's budget. */
const SCHEDULED_FUNCTIONS = [
  { name: 'backfill', entry: 'functions/backfill/handler.ts', maxBytes: 700_000 },
  { name: 'redrive', entry: 'functions/redrive/handler.ts', maxBytes: undefined },
] as const;

/** esbuild settings matching the stack's NodejsFunction bundling (infra/constructs/provisioner-function.ts). */
const cdkLikeOptions: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_BANNER },
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  charset: 'utf8',
  logLevel: 'warning',
  outExtension: { '.js': '.mjs' },
};

/**
 * Target 3: the provisioning bundle exactly as CDK builds it (a real synth),
 * its size, and the time to import it in a fresh Node process against a
 * minimal middy handler that loads the same AWS SDK clients.
 */
export async function coldStart(): Promise<BenchmarkResult> {
  const workDir = mkdtempSync(join(tmpdir(), 'provisioner-bench-'));
  try {
    execFileSync('npx', ['cdk', 'synth', '--quiet', '--output', join(workDir, 'cdk.out')], { stdio: 'ignore' });
    const workerBundle = findProvisionBundle(join(workDir, 'cdk.out'));
    const baselineBundle = await bundle('bench/fixtures/minimal-handler.ts', join(workDir, 'baseline'));
    const tracerBundle = await bundle('bench/fixtures/tracer-only.ts', join(workDir, 'tracer'));
    const scheduled = await Promise.all(
      SCHEDULED_FUNCTIONS.map(async (fn) => ({ ...fn, file: await bundle(fn.entry, join(workDir, fn.name)) })),
    );
    const attribution = await attributeBundle(join(workDir, 'attribution'));

    const bundles = [
      { name: 'worker', file: workerBundle },
      ...scheduled.map(({ name, file }) => ({ name, file })),
      { name: 'Tracer alone', file: tracerBundle },
    ];
    const times = new Map<string, number[]>([['minimal handler', []], ...bundles.map(({ name }) => [name, []] as [string, number[]])]);
    for (let run = 0; run < RUNS; run += 1) {
      times.get('minimal handler')!.push(importTimeMs(baselineBundle));
      for (const { name, file } of bundles) times.get(name)!.push(importTimeMs(file));
    }
    const baselineMs = median(times.get('minimal handler')!);
    const size = statSync(workerBundle).size;
    const ratio = median(times.get('worker')!) / baselineMs;
    const backfill = scheduled.find((fn) => fn.name === 'backfill')!;
    const backfillMet = statSync(backfill.file).size <= backfill.maxBytes;
    const met = size <= 1_000_000 && ratio <= 1.5 && backfillMet;
    const tracing = attribution.find(({ name }) => name === TRACING_GROUP)?.bytes ?? 0;
    return {
      id: 'cold-start',
      title: 'Cold start',
      figure: {
        name: 'import time ÷ minimal middy handler (median of 20)',
        value: round(ratio),
        target: '≤ 1.5, bundle ≤ 1 MB; backfill bundle ≤ 700 KB',
        met,
      },
      details: {
        'bundle size as CDK builds it (bytes)': size,
        'minimal handler bundle (bytes)': statSync(baselineBundle).size,
        'import, worker, median (ms)': round(median(times.get('worker')!), 1),
        'import, minimal handler, median (ms)': round(baselineMs, 1),
        ...Object.fromEntries(
          scheduled.flatMap(({ name, file }) => [
            [`${name} bundle (bytes)`, statSync(file).size],
            [`import, ${name}, median (ms)`, round(median(times.get(name)!), 1)],
            [`import, ${name} ÷ minimal handler`, round(median(times.get(name)!) / baselineMs)],
          ]),
        ),
        'X-Ray tracing share of the worker bundle (bytes)': tracing,
        'import, Powertools Tracer alone, median (ms)': round(median(times.get('Tracer alone')!), 1),
        ...Object.fromEntries(attribution.map(({ name, bytes }) => [`bundle share: ${name} (bytes)`, bytes])),
      },
      notes: [
        'The worker bundle is the asset `cdk synth` writes for the provisioning function (ESM, minified, AWS SDK bundled); the backfill and redrive bundles are built by esbuild with the same settings.',
        `Largest parts: ${attribution
          .slice(0, 3)
          .map(({ name, bytes }) => `${name} ${Math.round(bytes / 1024)} KiB`)
          .join(', ')}.`,
        `Tracing (Powertools Tracer and aws-xray-sdk-core) costs the worker ${Math.round(tracing / 1024)} KiB; "Tracer alone" is a bundle that only imports and constructs it.`,
      ],
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Builds one entry as CDK would and returns the bundle's path. */
async function bundle(entry: string, outdir: string): Promise<string> {
  await build({ ...cdkLikeOptions, entryPoints: [entry], outdir });
  return join(outdir, `${basename(entry, '.ts')}.mjs`);
}

/** The asset directory of the provisioning function in a synthesized cloud assembly. */
function findProvisionBundle(cdkOut: string): string {
  for (const file of readdirSync(cdkOut).filter((name) => name.endsWith('.template.json'))) {
    const template = JSON.parse(readFileSync(join(cdkOut, file), 'utf8')) as { Resources: Record<string, any> };
    for (const resource of Object.values(template.Resources)) {
      if (resource.Type === 'AWS::Lambda::Function' && String(resource.Properties?.Description).startsWith(HANDLER_DESCRIPTION)) {
        const key = String(resource.Properties.Code.S3Key).replace(/\.zip$/, '');
        return join(cdkOut, `asset.${key}`, 'index.mjs');
      }
    }
  }
  throw new Error('The provisioning function was not found in the synthesized templates');
}

/** Bytes of the minified bundle by package, from an identical esbuild build with a metafile. */
async function attributeBundle(outdir: string): Promise<Array<{ name: string; bytes: number }>> {
  const result = await build({ ...cdkLikeOptions, entryPoints: ['functions/provision/handler.ts'], outdir, metafile: true });
  const bytesByPackage = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = match ? groupName(match[1]!) : 'project code';
      bytesByPackage.set(name, (bytesByPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...bytesByPackage].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

const TRACING_GROUP = 'X-Ray tracing (Powertools Tracer, aws-xray-sdk-core)';

function groupName(pkg: string): string {
  if (
    pkg === '@aws-lambda-powertools/tracer' ||
    pkg.startsWith('aws-xray-sdk') ||
    ['cls-hooked', 'atomic-batcher', 'emitter-listener', 'semver', 'async-hook-jl', 'stack-chain'].includes(pkg)
  )
    return TRACING_GROUP;
  if (pkg.startsWith('@aws-sdk/')) return 'AWS SDK (@aws-sdk)';
  if (pkg.startsWith('@smithy/')) return 'Smithy (@smithy)';
  if (pkg.startsWith('@aws-lambda-powertools/')) return 'Powertools';
  if (pkg.startsWith('@middy/')) return 'middy';
  return pkg;
}

/** Milliseconds to import a bundle in a fresh Node process. */
function importTimeMs(bundle: string): number {
  const script = `const s = performance.now(); await import(${JSON.stringify(pathToFileURL(bundle).href)}); process.stdout.write(String(performance.now() - s));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, ...IMPORT_ENV },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`Importing ${bundle} failed: ${result.stderr}`);
  return Number(result.stdout);
}
