import type { Logger } from 'pino';

/**
 * Crash-only processes (STYLE #11): an uncaught error logs at fatal and exits non-zero so PM2 restarts
 * the process, which then recovers from Postgres. SIGTERM/SIGINT run the graceful steps once, with a
 * deadline, then exit 0.
 */
export function installShutdown(log: Logger, steps: () => Promise<void>, deadlineMs = 8_000): { shuttingDown: () => boolean } {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error({ deadlineMs }, 'graceful shutdown timed out, exiting');
      process.exit(1);
    }, deadlineMs);
    timer.unref();
    steps()
      .then(() => {
        log.info('stopped cleanly');
        process.exit(0);
      })
      .catch((err: unknown) => {
        log.error({ err }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // PM2 on some platforms sends a 'shutdown' message instead of a signal
  process.on('message', (msg) => {
    if (msg === 'shutdown') stop('shutdown-message');
  });
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception, exiting for a clean restart');
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled rejection, exiting for a clean restart');
    process.exit(1);
  });
  return { shuttingDown: () => stopping };
}
