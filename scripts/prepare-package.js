// npm runs this as `prepare` on `npm ci` and `npm pack`: it builds dist/ (scripts/build-package.js). An install
// without dev dependencies (`npm ci --omit=dev`) has neither esbuild nor TypeScript to build with; it says so
// and succeeds, since what it installed (the runtime dependencies) is complete. Plain JavaScript: nothing is
// built yet when it runs.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const missing = ['esbuild', 'typescript'].filter((name) => {
  try {
    require.resolve(`${name}/package.json`);
    return false;
  } catch {
    return true;
  }
});
if (missing.length === 0) {
  await import('./build-package.js');
} else {
  process.stdout.write(
    `prepare: ${missing.join(' and ')} not installed (no dev dependencies), so dist/ is not built; ` +
      'the command runs from the installed package (npm pack) or from a checkout with its dev dependencies (npm ci).\n',
  );
}
