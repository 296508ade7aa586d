import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { contextKeyOf, FUNCTION_NAMES, type KnobName, type KnobSpec, SETTINGS } from '../shared/runtime/settings';

/**
 * Renders docs/settings.md from the settings table (shared/runtime/settings.ts).
 * `npm run docs:settings` writes it; test/scripts/docs-settings.test.ts fails
 * when the committed file differs.
 */

export const SETTINGS_DOC = fileURLToPath(new URL('../docs/settings.md', import.meta.url));

const UNIT_WORDS = { ms: 'ms', s: 's', min: 'min', days: 'days' } as const;

export function renderSettingsDoc(): string {
  const rows = (Object.entries(SETTINGS) as [KnobName, KnobSpec<unknown>][]).map(([name, spec]) => {
    const unit = spec.unit === undefined ? '' : ` ${UNIT_WORDS[spec.unit]}`;
    const context = contextKeyOf(name);
    const fallback =
      spec.perFunction !== undefined
        ? [`${String(spec.default)}`, ...Object.entries(spec.perFunction).map(([fn, value]) => `${String(value)} (${fn})`)].join('; ')
        : spec.default !== undefined
          ? `${String(spec.default)}${unit}`
          : spec.stackSets !== undefined
            ? `required; the stack sets ${spec.stackSets}`
            : spec.optional
              ? 'unset'
              : 'required';
    const cells = [
      spec.env === undefined ? '—' : `\`${spec.env}\``,
      spec.prop === undefined ? '—' : `\`${spec.prop}\``,
      context === undefined ? '—' : `\`${context.key}\``,
      escapeCell(fallback),
      escapeCell(`${spec.rule.range}${unit}`),
      spec.usedBy.join(', '),
      escapeCell(spec.doc),
    ];
    return `| ${cells.join(' | ')} |`;
  });
  return [
    '# Settings',
    '',
    '<!-- Generated from shared/runtime/settings.ts by `npm run docs:settings`; edit the table there, not this file. -->',
    '',
    'Every knob of the provisioner, declared once in `shared/runtime/settings.ts`. A function reads its variables at cold',
    'start and refuses a missing or malformed one, naming it. The CDK stack sets each variable from its property (or the',
    "table's default), checks the property against the same range, and accepts it as `-c <context key>=<value>`.",
    'Durations are given to the stack as a `Duration` and in the unit shown on the command line.',
    '',
    '**Used by**: ' +
      FUNCTION_NAMES.map((fn) => `\`${fn}\` (the ${fn} function reads it)`).join(', ') +
      ', `stack` (the stack sets it or uses it itself), `local` (the local run and the benchmarks start from its default).',
    '',
    '| Variable | Stack property | Context key | Default | Range | Used by | What it does |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SETTINGS_DOC, renderSettingsDoc());
  console.log(`wrote ${SETTINGS_DOC}`);
}
