import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
};

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
    const baselineDir = join(workDir, 'baseline');
    await build({ ...cdkLikeOptions, entryPoints: ['bench/fixtures/minimal-handler.ts'], outdir: baselineDir });
    const baselineBundle = join(baselineDir, 'minimal-handler.mjs');
    const attribution = await attributeBundle(join(workDir, 'attribution'));

    const workerTimes: number[] = [];
    const baselineTimes: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      workerTimes.push(importTimeMs(workerBundle));
      baselineTimes.push(importTimeMs(baselineBundle));
    }
    const size = statSync(workerBundle).size;
    const ratio = median(workerTimes) / median(baselineTimes);
    const met = size <= 1_000_000 && ratio <= 1.5;
    return {
      id: 'cold-start',
      title: 'Cold start',
      figure: { name: 'import time ÷ minimal middy handler (median of 20)', value: round(ratio), target: '≤ 1.5, bundle ≤ 1 MB', met },
      details: {
        'bundle size as CDK builds it (bytes)': size,
        'minimal handler bundle (bytes)': statSync(baselineBundle).size,
        'import, worker, median (ms)': round(median(workerTimes), 1),
        'import, minimal handler, median (ms)': round(median(baselineTimes), 1),
        ...Object.fromEntries(attribution.map(({ name, bytes }) => [`bundle share: ${name} (bytes)`, bytes])),
      },
      notes: [
        'The worker bundle is the asset `cdk synth` writes for the provisioning function (ESM, minified, AWS SDK bundled).',
        `Largest parts: ${attribution
          .slice(0, 3)
          .map(({ name, bytes }) => `${name} ${Math.round(bytes / 1024)} KiB`)
          .join(', ')}.`,
      ],
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
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

function groupName(pkg: string): string {
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
