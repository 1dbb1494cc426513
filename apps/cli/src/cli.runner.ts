import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext, Type } from '@nestjs/common';
import { ConfigError, loadConfig } from '@livefeed/common';
import { EXIT, type ExitCode, FailedError, UsageError } from './cli.errors';
import { CliModule } from './cli.module';
import type { Invocation } from './cli.program';
import type { CliCommand } from './commands/cli.command';
import { DemoCommand } from './commands/demo.command';
import { ExportCommand } from './commands/export.command';
import { ImportCommand } from './commands/import.command';
import { PublishCommand } from './commands/publish.command';
import { RebuildCommand } from './commands/rebuild.command';
import { TailCommand } from './commands/tail.command';
import { Terminal } from './infra/terminal';

export interface CliIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly env: Record<string, string | undefined>;
}

/** Ctrl-C again while stopping: quit at once, as 128 + SIGINT. */
const FORCED_EXIT = 130;

/** The provider of each command, taking that command's options. */
const COMMANDS: {
  readonly [C in Invocation['command']]: Type<
    CliCommand<Extract<Invocation, { command: C }>['options']>
  >;
} = {
  publish: PublishCommand,
  export: ExportCommand,
  import: ImportCommand,
  tail: TailCommand,
  demo: DemoCommand,
  rebuild: RebuildCommand,
};

function run(app: INestApplicationContext, invocation: Invocation, signal: AbortSignal) {
  // The table gives each command its own options: the one a command line chose takes its own.
  const command: CliCommand<Invocation['options']> = app.get(COMMANDS[invocation.command]);
  return command.run(invocation.options, signal);
}

/**
 * Runs a parsed command line: reads the environment (a bad value is bad usage: exit 2), runs the
 * command in a Nest application context and closes it. Ctrl-C (or SIGTERM) asks the command to
 * stop cleanly and still say what it did; a second one quits at once.
 */
export async function runInvocation(
  parsed: { readonly invocation: Invocation; readonly json: boolean },
  io: CliIo,
): Promise<ExitCode> {
  const terminal = new Terminal(io.stdout, io.stderr, parsed.json);
  const fail = (code: 'usage' | 'failed', message: string): ExitCode => {
    terminal.note(`livefeed ${parsed.invocation.command}: ${message}`);
    if (parsed.json) terminal.line(JSON.stringify({ error: { code, message } }));
    return EXIT[code];
  };

  let config;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    if (error instanceof ConfigError) return fail('usage', error.message);
    throw error;
  }

  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(FORCED_EXIT);
    terminal.note('stopping… (Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config, terminal), {
    logger: false,
    abortOnError: false,
  });
  try {
    return await run(app, parsed.invocation, controller.signal);
  } catch (error) {
    if (error instanceof UsageError) return fail('usage', error.message);
    if (error instanceof FailedError) return fail('failed', error.message);
    return fail('failed', error instanceof Error ? error.message || String(error) : String(error));
  } finally {
    await app.close().catch(() => undefined);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
