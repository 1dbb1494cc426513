import { ConfigError, loadConfig } from '@livefeed/common';
import { startGateway } from './gateway.app';

async function main(): Promise<void> {
  const gateway = await startGateway(loadConfig());
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void gateway.close().then(() => process.exit(0));
    });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
