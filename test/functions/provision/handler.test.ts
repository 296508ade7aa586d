import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('cold start', () => {
  it('fails on import, naming the variable, when a required setting is missing', async () => {
    vi.stubEnv('FIVETRAN_API_SECRET_ID', 'fivetran/api-key');
    vi.stubEnv('CREDENTIALS_SECRET_PREFIX', 'fivetran/gitlab/');
    vi.stubEnv('EVENT_BUS_NAME', '');
    await expect(import('../../../functions/provision/handler')).rejects.toThrow(/EVENT_BUS_NAME is required/);
  });

  it('builds the handler when the settings are complete', async () => {
    vi.stubEnv('FIVETRAN_API_SECRET_ID', 'fivetran/api-key');
    vi.stubEnv('CREDENTIALS_SECRET_PREFIX', 'fivetran/gitlab/');
    vi.stubEnv('EVENT_BUS_NAME', 'bus');
    const module = await import('../../../functions/provision/handler');
    expect(typeof module.handler).toBe('function');
  });
});
