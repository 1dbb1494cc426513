import { ConfigError, loadConfig } from '@livefeed/common';
import { startIngest } from './ingest.app';

async function main(): Promise<void> {
  const ingest = await startIngest(loadConfig());
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void ingest.close().then(() => process.exit(0));
    });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
