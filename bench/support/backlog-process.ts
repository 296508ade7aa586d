/**
 * Runs one variant of bench/deferral-backlog.ts in a process of its own, so
 * the variants run at once, each in its own world (a world points the
 * process's AWS SDK at itself). argv[2]: the BacklogRun as JSON; answers the
 * BacklogFigures over IPC.
 */
import { type BacklogRun, runBacklog } from './backlog-run';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
const run = JSON.parse(process.argv[2] ?? '{}') as BacklogRun;
const figures = await runBacklog(run);
process.send?.(figures, () => process.exit(0));
