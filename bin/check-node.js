// Stops at once on a Node.js older than the project supports, in plain words, before anything else loads
// (vitest and the CLI fail later, and less clearly, on Node.js 20). Plain JavaScript that any Node.js runs.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `fivetran-provisioner needs Node.js 22.12 or newer (24 recommended: the Lambda runtime); this is Node.js ${process.versions.node}.\n`,
  );
  process.exit(3);
}
