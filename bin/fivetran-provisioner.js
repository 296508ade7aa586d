#!/usr/bin/env node
// The package's command (`npm run cli -- <command>`, `npm start`, and `fivetran-provisioner` where the package is
// installed). The version check comes first, so an old Node.js gets a sentence instead of a syntax or module error.
// In a checkout the TypeScript CLI loads through tsx, so an edit needs no build; the installed package ships no
// sources, only the compiled CLI in dist/ (npm run build). Either loads in this same process: a signal sent to this
// process reaches the CLI itself.
import './check-node.js';
import { existsSync } from 'node:fs';

const source = new URL('../cli/main.ts', import.meta.url);
const compiled = new URL('../dist/cli/main.js', import.meta.url);
const tsx = existsSync(source) ? await import('tsx/esm/api').catch(() => undefined) : undefined;
if (tsx !== undefined) {
  tsx.register();
  await import(source.href);
} else if (existsSync(compiled)) {
  // The installed package, or a checkout installed without its dev dependencies after a build.
  await import(compiled.href);
} else {
  process.stderr.write(
    'fivetran-provisioner: this checkout has neither tsx (a dev dependency) nor a built dist/: run npm ci, ' +
      'or install the package (npm pack, then npm install <tarball>), whose command needs no dev dependency.\n',
  );
  process.exitCode = 3;
}
