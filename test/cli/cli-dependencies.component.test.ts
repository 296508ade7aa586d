import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli-process';

/**
 * Which packages each part of the CLI loads, read from the module graph as esbuild follows it
 * (static imports and dynamic ones alike). What the installed package runs, which has no
 * devDependencies, may load only `dependencies` (test/package/ runs it from a tarball).
 */
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const RUNTIME = new Set(Object.keys(packageJson.dependencies));
const BUILTIN = new Set(builtinModules);

/** Leaves the command modules out: the CLI loads each only when it runs. */
const commandsLoadedLater: Plugin = {
  name: 'commands-loaded-later',
  setup(builder) {
    builder.onResolve({ filter: /^\.\/commands\// }, (args) =>
      args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined,
    );
  },
};

async function packagesLoadedBy(entry: string, plugins: Plugin[] = []): Promise<string[]> {
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
    plugins,
  });
  const imported = Object.values(result.metafile.outputs).flatMap((output) => output.imports.filter((i) => i.external).map((i) => i.path));
  const packages = imported
    .filter((path) => !path.startsWith('./') && !path.startsWith('node:') && !BUILTIN.has(path.split('/')[0]!))
    .map((path) => (path.startsWith('@') ? path.split('/').slice(0, 2).join('/') : path.split('/')[0]!));
  return [...new Set(packages)].sort();
}

describe('what each command needs installed', () => {
  it('the CLI itself (entry, help, version, dispatch) loads no package but tsx', async () => {
    expect(await packagesLoadedBy('cli/main.ts', [commandsLoadedLater])).toEqual([]);
    expect(await packagesLoadedBy('bin/fivetran-provisioner.js', [commandsLoadedLater])).toEqual(['tsx']);
  });

  it.each(['validate', 'enqueue', 'events', 'schema', 'redrive'])('%s loads only runtime dependencies', async (command) => {
    const packages = await packagesLoadedBy(`cli/commands/${command}.ts`);
    expect(packages.filter((name) => !RUNTIME.has(name))).toEqual([]);
  });

  it.each(['status', 'rotate'])(
    '%s needs the Secrets Manager client, which the package does not depend on, so it runs from a checkout',
    async (command) => {
      const packages = await packagesLoadedBy(`cli/commands/${command}.ts`);
      expect(packages.filter((name) => !RUNTIME.has(name))).toContain('@aws-sdk/client-secrets-manager');
      // and the CLI names its module through a variable, so the package build does not follow it
      expect(readFileSync(join(ROOT, 'cli/cli.ts'), 'utf8')).not.toContain(`await import('./commands/${command}')`);
    },
  );

  it('start needs the development dependencies, which is why the installed package leaves it out', async () => {
    const packages = await packagesLoadedBy('cli/commands/start.ts');
    expect(packages.filter((name) => !RUNTIME.has(name))).toContain('fauxqs');
  });
});
