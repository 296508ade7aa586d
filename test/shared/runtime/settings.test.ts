import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/runtime/settings';
import { ConfigurationError } from '../../../shared/runtime/errors';

const required = {
  FIVETRAN_API_SECRET_ID: 'fivetran/api-key',
  CREDENTIALS_SECRET_PREFIX: 'fivetran/gitlab/',
  EVENT_BUS_NAME: 'provisioner-bus',
};

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(required);
    expect(config).toMatchObject({
      fivetranApiUrl: 'https://api.fivetran.com',
      eventSource: 'fivetran.provisioner',
      maxReceiveCount: 5,
      recordConcurrency: 10,
      fivetranRequestTimeoutMs: 30_000,
      fivetranCreateTimeoutMs: 65_000,
    });
  });

  it('names every missing variable', () => {
    expect(() => loadConfig({})).toThrow(ConfigurationError);
    expect(() => loadConfig({})).toThrow(/FIVETRAN_API_SECRET_ID.*CREDENTIALS_SECRET_PREFIX.*EVENT_BUS_NAME/);
  });

  it('names a malformed variable', () => {
    expect(() => loadConfig({ ...required, MAX_RECEIVE_COUNT: 'five' })).toThrow(/MAX_RECEIVE_COUNT must be a positive whole number/);
    expect(() => loadConfig({ ...required, CREDENTIALS_SECRET_PREFIX: 'fivetran/gitlab' })).toThrow(/CREDENTIALS_SECRET_PREFIX.*ending in "\/"/);
    expect(() => loadConfig({ ...required, EVENT_SOURCE: 'aws.events' })).toThrow(/EVENT_SOURCE/);
  });

  it('refuses plain http except on loopback, where the sandbox answers', () => {
    expect(() => loadConfig({ ...required, FIVETRAN_API_URL: 'http://api.fivetran.com' })).toThrow(/FIVETRAN_API_URL.*https/);
    expect(loadConfig({ ...required, FIVETRAN_API_URL: 'http://127.0.0.1:8080/' }).fivetranApiUrl).toBe('http://127.0.0.1:8080');
  });

  it.each([
    'https://api.fivetran.com/v1',
    'https://api.fivetran.com/v1/',
    'https://api.fivetran.com/?region=eu',
    'https://api.fivetran.com/#v1',
    'https://key:secret@api.fivetran.com',
  ])('refuses %s at cold start: the client adds the paths, and a doubled /v1 would make every call a 404', (url) => {
    expect(() => loadConfig({ ...required, FIVETRAN_API_URL: url })).toThrow(/FIVETRAN_API_URL must be the API host only/);
  });

  it('names an unparsable FIVETRAN_API_URL without failing on it', () => {
    expect(() => loadConfig({ ...required, FIVETRAN_API_URL: 'api.fivetran.com/v1' })).toThrow(/FIVETRAN_API_URL must be an absolute URL/);
  });
});
