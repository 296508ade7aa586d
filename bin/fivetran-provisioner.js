#!/usr/bin/env node
// The package's command (`npm run cli -- <command>`, and `npm start`). Checks the Node.js version in plain
// JavaScript first, so an old one gets a sentence instead of a syntax or module error, then loads the
// TypeScript CLI through tsx in this same process: a signal sent to this process reaches the CLI itself.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `fivetran-provisioner needs Node.js 22.12 or newer (24 recommended: the Lambda runtime); this is Node.js ${process.versions.node}.\n`,
  );
  process.exit(3);
}
const { register } = await import('tsx/esm/api');
register();
await import('../local/cli/main.ts');
