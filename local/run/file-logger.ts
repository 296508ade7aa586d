import { appendFileSync } from 'node:fs';
import { Logger, type LogItem } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';

/**
 * The Powertools Logger the Lambda uses, writing its JSON lines to a file
 * instead of stdout, so that a local run's console shows events and progress
 * while the handler's full logs stay one `tail -f` away. Child loggers (one per
 * record) write to the same file.
 */
export class FileLogger extends Logger {
  /** Not a #private field: the base constructor may log before this constructor's body runs. */
  private readonly path: string | undefined;

  constructor(path: string, options: ConstructorOptions = {}) {
    super(options);
    this.path = path;
  }

  protected override createLogger(options?: ConstructorOptions): FileLogger {
    return new FileLogger(this.path!, options);
  }

  public override createChild(options?: ConstructorOptions): FileLogger {
    return super.createChild(options) as FileLogger;
  }

  protected override printLog(_logLevel: number, log: LogItem): void {
    if (this.path === undefined) return;
    log.prepareForPrint();
    // Synchronous on purpose: lines stay in order and none is lost when the run stops.
    appendFileSync(this.path, `${JSON.stringify(log.getAttributes(), this.getJsonReplacer())}\n`);
  }
}
