import { type BarSpec, PlainProgress, type Progress, TerminalProgress } from './progress';

/**
 * The CLI's two streams (docs/cli.md): stdout carries the command's result (JSON lines of events,
 * or the summary), stderr everything said to the person running it, progress included. With
 * `--json` the summary is one JSON object, the last line on stdout.
 */
export class Terminal {
  private progressShown?: Progress;
  private outputClosed = false;
  /** Resolves when stdout's reader went away (`livefeed tail | head`): the work can stop. */
  readonly closed: Promise<void>;

  constructor(
    private readonly stdout: NodeJS.WriteStream,
    private readonly stderr: NodeJS.WriteStream,
    readonly json: boolean,
  ) {
    this.closed = new Promise((resolve) => {
      // EPIPE and the like: nothing more can be written, and nobody is there to tell.
      stdout.on('error', () => {
        this.outputClosed = true;
        resolve();
      });
    });
  }

  /** One line of output data on stdout. */
  line(text: string): void {
    if (!this.outputClosed) this.stdout.write(`${text}\n`);
  }

  /** Many lines of output data, waiting while stdout is full (a slow pipe). */
  async lines(texts: readonly string[]): Promise<void> {
    if (texts.length === 0 || this.outputClosed) return;
    if (!this.stdout.write(`${texts.join('\n')}\n`))
      await Promise.race([
        new Promise((resolve) => this.stdout.once('drain', resolve)),
        this.closed,
      ]);
  }

  /** A message for the person on stderr (above the progress bars while they are shown). */
  note(text: string): void {
    if (this.progressShown) this.progressShown.log(text);
    else this.stderr.write(`${text}\n`);
  }

  /**
   * The summary: as JSON on stdout with `--json`, else `human` on stdout (or on stderr, for
   * commands whose stdout is data).
   */
  result(summary: object, human: string, humanOn: 'stdout' | 'stderr' = 'stdout'): void {
    if (this.json) this.line(JSON.stringify(summary));
    else if (humanOn === 'stdout') this.line(human);
    else this.stderr.write(`${human}\n`);
  }

  /** Bars on a terminal, plain progress lines on stderr otherwise. */
  progress(title: string, bars: readonly BarSpec[]): Progress {
    this.progressShown?.stop();
    const progress = this.stderr.isTTY
      ? new TerminalProgress(title, bars, this.stderr)
      : new PlainProgress(title, bars, (line) => this.stderr.write(`${line}\n`));
    const shown: Progress = {
      update: (index, value, total) => progress.update(index, value, total),
      log: (line) => progress.log(line),
      stop: () => {
        progress.stop();
        if (this.progressShown === shown) this.progressShown = undefined;
      },
    };
    this.progressShown = shown;
    return shown;
  }
}
