import { Inject, Injectable } from '@nestjs/common';
import type { ExitCode } from '../cli.errors';
import { Connections } from '../infra/connections';
import { Terminal } from '../infra/terminal';

/**
 * What every command is (cli.runner.ts runs them): given its options and the signal of Ctrl-C, it
 * does its work and says how it ended.
 */
export interface CliCommand<O> {
  run(options: O, signal: AbortSignal): Promise<ExitCode>;
}

/** A command that works on the deployment's connections and speaks through the terminal. */
@Injectable()
export abstract class ConnectedCommand<O> implements CliCommand<O> {
  constructor(
    @Inject(Connections) protected readonly connections: Connections,
    @Inject(Terminal) protected readonly terminal: Terminal,
  ) {}

  abstract run(options: O, signal: AbortSignal): Promise<ExitCode>;
}
