#!/usr/bin/env node
// The package's command (`npm run cli -- <command>`, `npm start`, and `fivetran-provisioner` where the package is
// installed). The version check comes first, so an old Node.js gets a sentence instead of a syntax or module error.
// In a checkout the TypeScript CLI loads through tsx, so an edit needs no build; the installed package ships no
// sources, only the compiled CLI in dist/ (npm run build). Either loads in this same process: a signal sent to this
// process reaches the CLI itself.
import './check-node.js';
import { existsSync } from 'node:fs';

const source = new URL('../cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/cli/main.js', import.meta.url).href);
}
