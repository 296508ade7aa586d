#!/usr/bin/env node
// The package's command (`npm run cli -- <command>`, and `npm start`). The version check comes first, so an
// old Node.js gets a sentence instead of a syntax or module error; then the TypeScript CLI loads through tsx
// in this same process: a signal sent to this process reaches the CLI itself.
import './check-node.js';

const { register } = await import('tsx/esm/api');
register();
await import('../cli/main.ts');
