import { App } from 'aws-cdk-lib';
import { buildProvisionerApp, ContextError } from './provisioner-app';

/**
 * CDK entry point (cdk.json: `npx tsx infra/app.ts`). Synthesizes offline: no
 * lookups, no Docker (the worker is bundled with the local esbuild).
 *
 *   npx cdk synth                       # stack FivetranProvisioner
 *   npx cdk deploy -c stage=staging     # stack FivetranProvisioner-staging
 */
const app = new App();
try {
  buildProvisionerApp(app);
  app.synth();
} catch (error) {
  // A setting the person running cdk got wrong: the message says which and how; a stack trace would bury it.
  if (!(error instanceof ContextError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
