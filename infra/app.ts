import { App } from 'aws-cdk-lib';
import { buildProvisionerApp } from './provisioner-app';

/**
 * CDK entry point (cdk.json: `npx tsx infra/app.ts`). Synthesizes offline: no
 * lookups, no Docker (the worker is bundled with the local esbuild).
 *
 *   npx cdk synth                       # stack FivetranProvisioner
 *   npx cdk deploy -c stage=staging     # stack FivetranProvisioner-staging
 */
const app = new App();
buildProvisionerApp(app);
app.synth();
