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
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
const require = createRequire(import.meta.url);
const { dependencies } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** `from '…'`, `import '…'` and `import('…')`, in the JavaScript and in the declarations tsc writes. */
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.\.?\/[^'"]*)\2/g;
const HAS_EXTENSION = /\.(?:js|mjs|cjs|json)$/;

// A file left from an earlier build would be packed as if it were part of this one.
rmSync(DIST, { recursive: true, force: true });

compileLibrary();
addExtensions();
await bundleCli();

function compileLibrary() {
  // The compiler this repository pins, whatever tsc the PATH holds.
  const typescriptPackage = require.resolve('typescript/package.json');
  const tsc = join(dirname(typescriptPackage), JSON.parse(readFileSync(typescriptPackage, 'utf8')).bin.tsc);
  const compiled = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  if (compiled.status !== 0) fail('tsc -p tsconfig.build.json failed');
}

function addExtensions() {
  const unresolved = [];
  for (const file of filesUnder(DIST)) {
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
      unresolved.push(`${relative(ROOT, file)}: ${specifier}`);
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
    outdir: join(DIST, 'cli'),
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
  process.stderr.write(`build-package: ${message}\n`);
  process.exit(1);
}
