import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONTRACT_PATH,
  ContractExtractionError,
  extractGitlabContract,
  renderGitlabContract,
} from '../../../local/fivetran-sandbox/extract-openapi';

// Fivetran's definition lives next to the repo (in CI and on the team's machines), never inside it.
// Where it is absent, these tests cannot compare and are reported as skipped; everything else still
// runs against the committed extract.
const OPENAPI_PATH = resolve(import.meta.dirname, '../../../../shared/fivetran/openapi.json');
const definitionPresent = existsSync(OPENAPI_PATH);
const openapiDocument = (definitionPresent ? JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) : {}) as Record<string, any>;
const contract = definitionPresent ? extractGitlabContract(openapiDocument) : undefined!;

function collectKeys(node: unknown, keys = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) collectKeys(item, keys);
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      keys.add(key);
      collectKeys(value, keys);
    }
  }
  return keys;
}

describe.runIf(definitionPresent)('openapi-gitlab.json, the committed GitLab contract', () => {
  it("is exactly what extractGitlabContract() derives from Fivetran's current definition", () => {
    // Given the committed file and the definition
    const committed = readFileSync(CONTRACT_PATH, 'utf8');

    // When the extraction runs again
    const regenerated = renderGitlabContract(contract);

    // Then nothing differs (regenerate with `npx tsx local/fivetran-sandbox/extract-openapi.ts` if this fails)
    expect(committed).toBe(regenerated);
  });

  it('is self-contained: no $ref and no discriminator left, so the other services are never needed', () => {
    const keys = collectKeys(contract.schemas);

    expect(keys.has('$ref')).toBe(false);
    expect(keys.has('discriminator')).toBe(false);
    expect(JSON.stringify(contract.schemas)).not.toContain('google_ads_');
  });

  it('reads config.auth and config.base_url as strings and sync_frequency as an integer enum', () => {
    const [base, gitlabConfig] = contract.schemas.createRequest.allOf as Array<Record<string, any>>;

    expect(gitlabConfig?.properties.config.properties.auth).toMatchObject({ type: 'string', enum: ['oauth_2', 'personal_access_token'] });
    expect(gitlabConfig?.properties.config.properties.base_url).toMatchObject({ type: 'string', enum: ['', 'gitlab.com'] });
    expect(base?.properties.sync_frequency.enum).toEqual([1, 5, 15, 30, 60, 120, 180, 360, 480, 720, 1440]);
    expect(contract.quirks.map((quirk) => `${quirk.component}.${quirk.property}`)).toEqual([
      'gitlab_config_V1.config.auth',
      'gitlab_config_V1.config.base_url',
      'NewConnectorRequestV1.sync_frequency',
      'ConnectorResponseV1.sync_frequency',
      'UpdateConnectorRequest.sync_frequency',
    ]);
  });

  it('does not modify the definition it reads', () => {
    const auth = openapiDocument.components.schemas.gitlab_config_V1.properties.config.properties.auth;

    expect(auth.type).toBe('object');
  });

  it('fails loudly when a documented quirk no longer matches the definition', () => {
    // Given a definition in which Fivetran fixed config.auth
    const fixed = structuredClone(openapiDocument);
    fixed.components.schemas.gitlab_config_V1.properties.config.properties.auth.type = 'string';

    // When / Then the extraction asks for a review instead of silently carrying on
    expect(() => extractGitlabContract(fixed)).toThrow(ContractExtractionError);
  });

  it('fails loudly on an enum that contradicts its type and is not a listed quirk', () => {
    const changed = structuredClone(openapiDocument);
    changed.components.schemas.ConnectorStatusResponse.properties.setup_state.enum = [1, 2];

    expect(() => extractGitlabContract(changed)).toThrow(/setup_state/);
  });
});
