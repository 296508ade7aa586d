// Builds what the package ships into dist/ (`npm run build`; npm runs it as `prepare` on `npm ci` and `npm pack`).
// - The library entries, `producer` and `contracts`: tsc compiles them with their .d.ts files (tsconfig.build.json),
//   then every relative import gets the extension Node.js needs. The sources import without one (`./enqueue`),
//   which tsx, vitest and esbuild resolve but Node.js's ES module loader, and TypeScript reading the .d.ts files
//   under "moduleResolution": "nodenext", do not.
// - The CLI: esbuild bundles it, its commands split into chunks loaded when they run. A bundle, not tsc's
//   file-by-file output: tsc emits every module a type is imported from, which for the CLI reaches the whole
//   local stack. Packages stay imports, and each must be a runtime dependency, or the installed CLI would fail.
// Plain JavaScript: it runs before anything is built.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
// Built aside and moved into place whole: a build running at the same time as another (two test runs packing
// at once) never leaves a half-written dist/, and no file of an earlier build survives into this one.
const STAGING = join(ROOT, 'node_modules', '.cache', `fivetran-provisioner-build-${process.pid}`);
const require = createRequire(import.meta.url);
const { dependencies } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** `from '…'`, `import '…'` and `import('…')`, in the JavaScript and in the declarations tsc writes. */
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.\.?\/[^'"]*)\2/g;
const HAS_EXTENSION = /\.(?:js|mjs|cjs|json)$/;

/** A failure the build explains itself: printed without a stack. */
class BuildError extends Error {}

rmSync(STAGING, { recursive: true, force: true });
mkdirSync(STAGING, { recursive: true });
try {
  compileLibrary();
  addExtensions();
  await bundleCli();
  replaceDist();
} catch (error) {
  process.stderr.write(`${error instanceof BuildError ? error.message : error.stack}\n`);
  process.exitCode = 1;
} finally {
  rmSync(STAGING, { recursive: true, force: true });
}

function replaceDist() {
  rmSync(DIST, { recursive: true, force: true });
  try {
    renameSync(STAGING, DIST);
  } catch (error) {
    // Another build moved its dist/ into place in between: a whole build of the same sources, so it stands.
    if (!['ENOTEMPTY', 'EEXIST'].includes(error.code)) throw error;
  }
}

function compileLibrary() {
  // The compiler this repository pins, whatever tsc the PATH holds.
  const typescriptPackage = require.resolve('typescript/package.json');
  const tsc = join(dirname(typescriptPackage), JSON.parse(readFileSync(typescriptPackage, 'utf8')).bin.tsc);
  const compiled = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', STAGING], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (compiled.status !== 0) fail('tsc -p tsconfig.build.json failed');
}

function addExtensions() {
  const unresolved = [];
  for (const file of filesUnder(STAGING)) {
    const isDeclaration = file.endsWith('.d.ts');
    if (!isDeclaration && !file.endsWith('.js')) continue;
    const text = readFileSync(file, 'utf8');
    const rewritten = text.replace(SPECIFIER, (whole, lead, quote, specifier) => {
      if (HAS_EXTENSION.test(specifier)) return whole;
      const target = join(dirname(file), specifier);
      const suffix = isDeclaration ? '.d.ts' : '.js';
      // A declaration names the JavaScript file as well: "./enqueue.js" finds enqueue.d.ts.
      if (existsSync(`${target}${suffix}`)) return `${lead}${quote}${specifier}.js${quote}`;
      if (existsSync(join(target, `index${suffix}`))) return `${lead}${quote}${specifier}/index.js${quote}`;
      unresolved.push(`dist/${relative(STAGING, file)}: ${specifier}`);
      return whole;
    });
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
  if (unresolved.length > 0) fail(`imports that name no compiled module:\n  ${unresolved.join('\n  ')}`);
}

async function bundleCli() {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { main: 'cli/main.ts' },
    outdir: join(STAGING, 'cli'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    packages: 'external',
    metafile: true,
    logLevel: 'warning',
  });
  const builtin = new Set(builtinModules);
  const packages = Object.values(result.metafile.outputs).flatMap((output) =>
    output.imports.filter((i) => i.external && !i.path.startsWith('node:') && !builtin.has(i.path)).map((i) => packageOf(i.path)),
  );
  const undeclared = [...new Set(packages)].filter((name) => dependencies[name] === undefined);
  if (undeclared.length > 0) fail(`the CLI imports packages that are not runtime dependencies: ${undeclared.join(', ')}`);
}

function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function* filesUnder(directory) {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

function fail(message) {
  throw new BuildError(`build-package: ${message}`);
}
