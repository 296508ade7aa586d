import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';

/** Where the child's world listens: the variables that point an AWS SDK at it, and the Fivetran sandbox. */
export interface ServiceAddresses {
  env: Readonly<Record<string, string>>;
  fivetran: string;
}

export interface ServiceStats {
  events: number;
  lastEventAt: number;
  calls: number;
  creates: number;
  created: number;
  rateLimited: number;
  createTimes: number[];
  secretReads: number;
}

/** Starts bench/support/services-process.ts (the world, in a child process) and talks to it over IPC. */
export async function startServicesChild(options: object) {
  const child: ChildProcess = fork(new URL('./services-process.ts', import.meta.url), [JSON.stringify(options)], {
    // fauxqs uses node:sqlite, which Node 22 flags as experimental on every start.
    execArgv: ['--import', 'tsx', '--disable-warning=ExperimentalWarning'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const [addresses] = (await once(child, 'message')) as [ServiceAddresses];
  return {
    addresses,
    async stats(): Promise<ServiceStats> {
      child.send('stats');
      const [stats] = (await once(child, 'message')) as [ServiceStats];
      return stats;
    },
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}
