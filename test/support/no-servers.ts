import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';

/**
 * The unit project's guard: a unit test (`*.test.ts`) runs in this process
 * alone, so opening a port or starting a process fails it at once, naming
 * the rule, instead of slowing the quick loop or racing other tests for ports.
 */
const refuse = (what: string) => () => {
  throw new Error(`a unit test starts no server and no process (${what}); name it *.component.test.ts`);
};

net.Server.prototype.listen = refuse('net.Server.listen') as typeof net.Server.prototype.listen;
for (const name of ['spawn', 'spawnSync', 'fork', 'exec', 'execSync', 'execFile', 'execFileSync'] as const) {
  (childProcess as Record<string, unknown>)[name] = refuse(`child_process.${name}`);
}
// ESM imports of node:child_process read the built-in's named exports: bring them up to date with the patch.
syncBuiltinESMExports();
