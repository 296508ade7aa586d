/**
 * Sets process environment variables for the lifetime of a local stack and
 * puts the previous values back on restore. The AWS SDK reads its
 * `AWS_ENDPOINT_URL_*` variables when a client is created, so they must be in
 * place before the handler and its clients are built.
 */
export interface EnvOverrides {
  restore(): void;
}

export function overrideEnv(values: Record<string, string | undefined>, env: NodeJS.ProcessEnv = process.env): EnvOverrides {
  const previous = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    previous.set(name, env[name]);
    env[name] = value;
  }
  let restored = false;
  return {
    restore() {
      if (restored) return;
      restored = true;
      for (const [name, value] of previous) {
        if (value === undefined) delete env[name];
        else env[name] = value;
      }
    },
  };
}
