import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { batchConcurrency } from './batch-concurrency';
import { coldStart } from './cold-start';
import { deferralBacklog } from './deferral-backlog';
import { pipelineThroughput } from './pipeline-throughput';
import { rateLimitEfficiency } from './rate-limit';
import { rotationAtSetupTestLimits } from './rotation';
import { secretsCalls } from './secrets-calls';
import type { BenchmarkResult } from './support/report';

/**
 * `npm run bench`: runs every benchmark (or those whose names contain the
 * words given) and prints its headline. `npm run bench -- --write` also
 * writes bench/RESULTS.md and bench/results.json, the committed results, and
 * only after a full run: a partial one would drop the others' figures. Each
 * figure is a ratio of two measurements from the same run, so it holds on a
 * noisy machine.
 */
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';

const BENCHMARKS: Array<[string, () => Promise<BenchmarkResult>]> = [
  ['batch concurrency', batchConcurrency],
  ['Secrets Manager calls', secretsCalls],
  ['cold start', coldStart],
  ['local pipeline throughput', pipelineThroughput],
  ['rate-limit efficiency', rateLimitEfficiency],
  ['backlog at Fivetran limits', deferralBacklog],
  ['rotation', rotationAtSetupTestLimits],
];

const args = process.argv.slice(2);
const write = args.includes('--write');
const only = args.filter((arg) => arg !== '--write');
if (write && only.length > 0) {
  console.error('--write keeps the committed results whole: run every benchmark to write them (npm run bench -- --write)');
  process.exit(2);
}
const results: BenchmarkResult[] = [];
for (const [name, run] of BENCHMARKS) {
  if (only.length > 0 && !only.some((id) => name.includes(id))) continue;
  process.stdout.write(`${name} … `);
  const result = await run();
  results.push(result);
  console.log(`${result.figure.value} (${result.figure.name}; target ${result.figure.target}: ${result.figure.met ? 'met' : 'MISSED'})`);
  // A missed target says where: its measures, as RESULTS.md would show them.
  if (!result.figure.met) for (const [measure, value] of Object.entries(result.details)) console.log(`  ${measure}: ${value}`);
}

const machine = {
  node: process.version,
  cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  date: new Date().toISOString(),
};
if (write) {
  writeFileSync('bench/results.json', `${JSON.stringify({ machine, results }, null, 2)}\n`);
  writeFileSync('bench/RESULTS.md', renderMarkdown(machine, results));
  console.log('Wrote bench/RESULTS.md and bench/results.json');
} else {
  console.log('The committed results are unchanged; npm run bench -- --write replaces them with these.');
}

function renderMarkdown(info: typeof machine, all: BenchmarkResult[]): string {
  const lines = [
    '# Benchmark results',
    '',
    `Measured ${info.date} with Node.js ${info.node} on ${info.cpu}, ${info.memoryGiB} GiB (\`npm run bench\`).`,
    '',
    '| benchmark | figure | value | target | met |',
    '| --- | --- | --- | --- | --- |',
    ...all.map((r) => `| ${r.title} | ${r.figure.name} | ${r.figure.value} | ${r.figure.target} | ${r.figure.met ? 'yes' : '**no**'} |`),
    '',
  ];
  for (const r of all) {
    lines.push(`## ${r.title}`, '', '| measure | value |', '| --- | --- |');
    for (const [name, value] of Object.entries(r.details)) lines.push(`| ${name} | ${value} |`);
    lines.push('', ...r.notes.map((note) => `- ${note}`), '');
  }
  return lines.join('\n');
}
