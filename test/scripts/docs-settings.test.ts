import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSettingsDoc, SETTINGS_DOC } from '../../scripts/docs-settings';
import { SETTINGS } from '../../shared/runtime/settings';

describe('docs/settings.md', () => {
  it('is what npm run docs:settings writes from the settings table (run it after changing a knob)', () => {
    expect(readFileSync(SETTINGS_DOC, 'utf8')).toBe(renderSettingsDoc());
  });

  it('has a row for every knob, naming its variable or property', () => {
    const doc = renderSettingsDoc();
    for (const spec of Object.values(SETTINGS)) expect(doc).toContain(`\`${'env' in spec ? spec.env : spec.prop}\``);
  });
});
