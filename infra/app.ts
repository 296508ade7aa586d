import { App } from 'aws-cdk-lib';
import { buildProvisionerApp, ContextError } from './provisioner-app';
import { ProvisionerPropsError } from './validate-props';

/**
 * CDK entry point (cdk.json: `npx tsx infra/app.ts`). Synthesizes offline: no
 * lookups, no Docker (the worker is bundled with the local esbuild).
 *
 *   npx cdk synth                       # stack FivetranProvisioner
 *   npx cdk deploy -c stage=staging     # stack FivetranProvisioner-staging
 */
// Synthesized below, once the app is whole: an app that failed to build must not be synthesized half-made at exit.
const app = new App({ autoSynth: false });
try {
  buildProvisionerApp(app);
  app.synth();
} catch (error) {
  // A setting the person running cdk got wrong: the message says which and how; a stack trace would bury it.
  if (!(error instanceof ContextError || error instanceof ProvisionerPropsError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
