import { createStandalone } from './standalone';

/** `npm start`: the whole system in one process. SIGTERM/SIGINT stop it gracefully. */
async function main(): Promise<void> {
  const standalone = await createStandalone();
  await standalone.start();
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    standalone.logger.info({ signal }, 'shutting down');
    standalone.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        standalone.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  // The logger may not exist yet (bad config), so this one line goes to stderr directly.
  process.stderr.write(
    `standalone failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
