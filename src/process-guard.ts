// The last-resort guard of `postern serve`: an exception or a rejected promise that no connection
// handler caught is logged with its stack and counted (postern_uncaught_errors_total), and the
// process keeps serving. It is not the fix for anything: every listener catches what one connection
// throws and closes only that connection (DESIGN.md "No client can stop the others"); a log line
// from here is a bug to fix. Always true: installed once per process, removable for tests.
import type { Logger } from './log.ts';
import { serverMetrics } from './metrics/catalogue.ts';
import type { Metrics } from './metrics/registry.ts';

export function installProcessGuard(log: Logger, metrics: Metrics): () => void {
  const counter = serverMetrics(metrics).uncaughtErrors;
  const onException = (err: unknown, origin: string) => {
    counter.inc({ kind: 'exception' });
    log.error({ err, origin }, 'uncaught exception: the process keeps serving; this is a bug');
  };
  const onRejection = (reason: unknown) => {
    counter.inc({ kind: 'rejection' });
    log.error({ err: reason }, 'unhandled promise rejection: the process keeps serving; this is a bug');
  };
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
