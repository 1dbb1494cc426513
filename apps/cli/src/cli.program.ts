import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EXIT, type ExitCode } from './cli.errors';
import type { DemoOptions } from './commands/demo.command';
import type { ExportOptions } from './commands/export.command';
import type { ImportOptions } from './commands/import.command';
import type { PublishOptions } from './commands/publish.command';
import type { RebuildCommandOptions } from './commands/rebuild.command';
import type { TailOptions } from './commands/tail.command';
import { filePath, positiveInteger, positiveNumber, seconds, storyId } from './options.parsers';

/** A command line that parsed: which command, with which options. */
export type Invocation =
  | { readonly command: 'publish'; readonly options: PublishOptions }
  | { readonly command: 'export'; readonly options: ExportOptions }
  | { readonly command: 'import'; readonly options: ImportOptions }
  | { readonly command: 'tail'; readonly options: TailOptions }
  | { readonly command: 'demo'; readonly options: DemoOptions }
  | { readonly command: 'rebuild'; readonly options: RebuildCommandOptions };

export type ParseOutcome =
  { readonly invocation: Invocation; readonly json: boolean } | { readonly exit: ExitCode };

export interface ProgramOutput {
  readonly writeOut: (text: string) => void;
  readonly writeErr: (text: string) => void;
}

/** commander's parsers throw its own error type; ours throw plain ones, with the message. */
const as =
  <T>(parse: (value: string) => T) =>
  (value: string): T => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
    }
  };

const ENVIRONMENT = `
Environment (as the apps; docs/protocol.md, "Configuration"):
  NATS_URL               NATS server (nats://127.0.0.1:4222)
  DATABASE_URL           PostgreSQL database (postgres://postgres@127.0.0.1:5432/livefeed)
  LIVEFEED_SUBJECT_ROOT  subject root (livefeed)
  GATEWAY_PORT           gateway port, for the demo's reader page address (3000)

Exit codes: 0 success, 1 the work failed or found a problem, 2 bad usage.
With --json the last line on stdout is one JSON object summarising the result.
Progress goes to stderr: a bar on a terminal, plain lines otherwise. Docs: docs/cli.md`;

const HELP_CODES = new Set(['commander.help', 'commander.helpDisplayed', 'commander.version']);

const wait = () =>
  new Option('--wait <s>', 'seconds to wait for the outcomes once everything is published')
    .argParser(as(seconds))
    .default(30);

/**
 * The `livefeed` command line (docs/cli.md). Parsing only: what to run comes back, or the exit
 * code when there is nothing to run (help shown: 0; bad usage: 2, with commander's message).
 */
export function parseCommandLine(argv: readonly string[], output: ProgramOutput): ParseOutcome {
  let invocation: Invocation | undefined;
  let json = false;
  const program = new Command('livefeed')
    .description(
      'Operator commands for livefeed: file reports, export and import stories, tail the log, play a demo, rebuild projections.',
    )
    .exitOverride()
    .configureOutput(output)
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', ENVIRONMENT);
  const chose = (make: (opts: Record<string, unknown>, args: string[]) => Invocation) =>
    function (this: Command) {
      const opts = this.opts();
      json = opts.json === true;
      invocation = make(opts, this.args);
    };

  program
    .command('publish')
    .description('publish each line of a JSON-lines file as a report, then wait for every outcome')
    .argument('<file.jsonl>', 'one report per line (- for standard input)')
    .addOption(
      new Option('--rate <n/s>', 'reports per second at most').argParser(as(positiveNumber)),
    )
    .addOption(wait())
    .option('--json', 'print the summary as one JSON object')
    .addHelpText(
      'after',
      '\nA broken line is reported by its number and the rest go on; a rejection is an outcome.\nExit 0 when every line was published and decided, 1 when a line was broken or an outcome is pending.',
    )
    .action(
      chose((o, [file]) => ({
        command: 'publish',
        options: { file, rate: o.rate as number | undefined, wait: o.wait as number },
      })),
    );

  program
    .command('export')
    .description("write a story's events, in version order, as JSON lines")
    .addOption(new Option('--story <id>', 'the story').argParser(as(storyId)).makeOptionMandatory())
    .addOption(
      new Option('--to <file>', 'write to this file (default: standard output)').argParser(
        as(filePath),
      ),
    )
    .option('--json', 'print the summary as one JSON object')
    .action(
      chose((o) => ({
        command: 'export',
        options: { story: o.story as string, to: o.to as string | undefined },
      })),
    );

  program
    .command('import')
    .description(
      'replay an export through the normal ingest path: each event filed as the report it came from',
    )
    .argument('<file.jsonl>', 'an export: one event per line (- for standard input)')
    .addOption(wait())
    .option('--json', 'print the summary as one JSON object')
    .addHelpText(
      'after',
      '\nImporting the same file twice changes nothing: each report keeps its id.',
    )
    .action(
      chose((o, [file]) => ({ command: 'import', options: { file, wait: o.wait as number } })),
    );

  program
    .command('tail')
    .description('print events as JSON lines, history first and then live, until interrupted')
    .addOption(
      new Option(
        '--story <id>',
        'only this story (default: every story, in commit order)',
      ).argParser(as(storyId)),
    )
    .addOption(
      new Option(
        '--from <version>',
        'start at this version, inclusive (without --story: this log position); default: the head',
      ).argParser(as(positiveInteger)),
    )
    .option('--json', 'when interrupted, print {"events": n} as the last line')
    .action(
      chose((o) => ({
        command: 'tail',
        options: { story: o.story as string | undefined, from: o.from as number | undefined },
      })),
    );

  program
    .command('demo')
    .description(
      'play a scripted live story (a storm over an invented town) through the normal ingest path',
    )
    .addOption(
      new Option('--pace <speedup>', 'how many times faster than real time (about 2.5 min at 1)')
        .argParser(as(positiveNumber))
        .default(1),
    )
    .addOption(
      new Option('--story <id>', 'the story id (default: a new one each run)').argParser(
        as(storyId),
      ),
    )
    .addOption(wait())
    .option('--json', 'print the summary as one JSON object')
    .action(
      chose((o) => ({
        command: 'demo',
        options: {
          pace: o.pace as number,
          story: o.story as string | undefined,
          wait: o.wait as number,
        },
      })),
    );

  program
    .command('rebuild')
    .description(
      'rebuild the projections from the event log while the system runs, then swap them in at once',
    )
    .addOption(new Option('--story <id>', 'only this story').argParser(as(storyId)))
    .option(
      '--verify',
      'rebuild aside and report each difference from the live projection instead of swapping (exit 1 if any)',
    )
    .option('--json', 'print the summary as one JSON object')
    .action(
      chose((o) => ({
        command: 'rebuild',
        options: { story: o.story as string | undefined, verify: o.verify === true },
      })),
    );

  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // Help asked for (`--help`, `help <command>`) exits 0; help shown for a missing command exits 1.
    const shown = HELP_CODES.has(error.code) && error.exitCode === 0;
    return { exit: shown ? EXIT.ok : EXIT.usage };
  }
  return invocation ? { invocation, json } : { exit: EXIT.usage };
}
