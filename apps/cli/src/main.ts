import { parseCommandLine } from './cli.program';

const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };

/**
 * The `livefeed` bin (bin/livefeed.js) requires this file. The command line is parsed before Nest
 * and the libraries load, so `--help` and usage errors answer at once. Exits explicitly once the
 * summary is written: a NATS reconnect timer or the like must not keep a finished command alive.
 */
async function main(): Promise<number> {
  const parsed = parseCommandLine(process.argv.slice(2), {
    writeOut: (text) => io.stdout.write(text),
    writeErr: (text) => io.stderr.write(text),
  });
  if ('exit' in parsed) return parsed.exit;
  const { runInvocation } = await import('./cli.runner');
  return runInvocation(parsed, io);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    return 1;
  })
  .then((code) => process.stdout.write('', () => process.exit(code)));
