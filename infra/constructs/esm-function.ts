import { fileURLToPath } from 'node:url';
import type { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledgeNagFinding } from '../nag';

/** The repository root: bundling paths are resolved from it, not from the caller's working directory. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The newest Node.js LTS runtime Lambda offers in this aws-cdk-lib. Named
 * explicitly (not `NODEJS_LATEST`) so a CDK upgrade never changes the runtime
 * behind the team's back; cdk-nag's AwsSolutions-L1 flags it once it is stale.
 */
export const PROVISIONER_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * Makes `require` exist in the ESM bundle for the CommonJS dependencies esbuild
 * inlines. Aliased so it cannot clash with a `createRequire` import of the bundle.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __provisionerCreateRequire } from 'node:module'; const require = __provisionerCreateRequire(import.meta.url);";

export interface EsmFunctionProps {
  /** Handler file, relative to the repository root (it must export `handler`). */
  readonly entry: string;
  readonly description: string;
  /** Description of the function's own role. */
  readonly roleDescription: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly logRetention: logs.RetentionDays;
  readonly environment: Record<string, string>;
}

export interface EsmFunctionParts {
  readonly function: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
}

/**
 * One of the provisioner's Lambda functions, built the same way for all of
 * them: its own log group and its own role (not AWSLambdaBasicExecutionRole:
 * it writes to its own log group only), Node.js LTS on ARM64, X-Ray tracing,
 * and an ES module bundled and minified with source maps by the local esbuild.
 * The parts are created as `LogGroup`, `Role` and `Function` children of `scope`.
 *
 * @example const { function: fn, role } = createEsmFunction(this, { entry: 'functions/backfill/handler.ts', … });
 */
export function createEsmFunction(scope: Construct, props: EsmFunctionProps): EsmFunctionParts {
  const logGroup = new logs.LogGroup(scope, 'LogGroup', { retention: props.logRetention });
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.roleDescription,
  });
  logGroup.grantWrite(role);

  const fn = new nodejs.NodejsFunction(scope, 'Function', {
    description: props.description,
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
    entry: `${PROJECT_ROOT}${props.entry}`,
    handler: 'handler',
    runtime: PROVISIONER_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memorySize,
    timeout: props.timeout,
    role,
    logGroup,
    tracing: lambda.Tracing.ACTIVE,
    environment: {
      ...props.environment,
      // Stack traces point at the TypeScript sources through the bundled source map.
      NODE_OPTIONS: '--enable-source-maps',
    },
    bundling: {
      format: nodejs.OutputFormat.ESM,
      // Prefer the ES module builds of dependencies: they tree-shake.
      mainFields: ['module', 'main'],
      banner: ESM_REQUIRE_BANNER,
      minify: true,
      sourceMap: true,
      // Source maps only need line mappings for stack traces; embedding the sources doubles the size.
      sourcesContent: false,
      // Ship the AWS SDK versions the functions were tested with instead of whatever the runtime carries.
      bundleAwsSDK: true,
      // esbuild from node_modules; there is no Docker on build machines.
      forceDockerBundling: false,
      logLevel: nodejs.LogLevel.WARNING,
      charset: nodejs.Charset.UTF8,
    },
  });
  // X-Ray tracing put its statement in the role's default policy; it is the one grant on "*".
  acknowledgeNagFinding(
    role.node.findChild('DefaultPolicy'),
    'AwsSolutions-IAM5[Resource::*]',
    'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions, so they can only be granted on "*". The infra tests check that no other action is granted on "*".',
  );
  return { function: fn, logGroup, role };
}
