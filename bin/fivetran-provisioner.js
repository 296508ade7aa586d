#!/usr/bin/env node
// The package's command (`npx fivetran-provisioner <command>`): loads the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../local/cli/main.ts');
