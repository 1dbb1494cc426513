import { MultiBar, Presets, type SingleBar } from 'cli-progress';

/** One bar of a progress display: a count towards a total (the total may grow, as a file is read). */
export interface BarSpec {
  readonly label: string;
  readonly total: number;
  /** What is counted, after the numbers: "reports", "events". */
  readonly unit: string;
}

/** Long work shown as it goes: bars on a terminal, plain lines on stderr elsewhere (docs/cli.md). */
export interface Progress {
  /** Sets bar `index` to `value` (and its total, when given). */
  update(index: number, value: number, total?: number): void;
  /** A line of text above the bars (on a terminal) or among the progress lines. */
  log(line: string): void;
  /** Draws the final values and stops; idempotent. */
  stop(): void;
}

const RATE_WINDOW_MS = 5_000;
const PLAIN_EVERY_MS = 1_000;

/** Items per second over the last few seconds, from the values a bar was given. */
class RateMeter {
  /** Starts at 0 when the bar appears, so a bar that fills at one stroke still has a rate. */
  private readonly samples: Array<{ at: number; value: number }> = [{ at: Date.now(), value: 0 }];

  sample(value: number, at = Date.now()): void {
    this.samples.push({ at, value });
    while (this.samples.length > 2 && at - this.samples[0].at > RATE_WINDOW_MS)
      this.samples.shift();
  }

  perSecond(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at === first.at) return 0;
    return ((last.value - first.value) * 1000) / (last.at - first.at);
  }
}

export function formatRate(perSecond: number): string {
  if (perSecond >= 100) return Math.round(perSecond).toString();
  return perSecond.toFixed(1);
}

export function formatEta(remaining: number, perSecond: number): string {
  if (remaining <= 0) return '0s';
  if (perSecond <= 0) return '?';
  const s = Math.ceil(remaining / perSecond);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * cli-progress bars on stderr, with our rate and ETA over the last seconds (its own `{eta}` counts
 * from the start of the bar, which a demo's pauses or a slow start would skew).
 */
export class TerminalProgress implements Progress {
  private readonly multibar: MultiBar;
  private readonly bars: SingleBar[];
  private readonly meters: RateMeter[];
  private stopped = false;

  constructor(
    title: string,
    private readonly specs: readonly BarSpec[],
    stream: NodeJS.WriteStream,
  ) {
    const width = Math.max(...specs.map((s) => s.label.length));
    this.multibar = new MultiBar(
      {
        stream,
        format: `${title} {label} {bar} {percentage}% | {value}/{total} {unit} | {rate}/s | ETA {left}`,
        hideCursor: true,
        barsize: 30,
        fps: 10,
        clearOnComplete: false,
        stopOnComplete: false,
        autopadding: true,
      },
      Presets.shades_classic,
    );
    this.meters = specs.map(() => new RateMeter());
    this.bars = specs.map((s) =>
      this.multibar.create(Math.max(s.total, 1), 0, {
        label: s.label.padEnd(width),
        unit: s.unit,
        rate: '0',
        left: '?',
      }),
    );
  }

  update(index: number, value: number, total?: number): void {
    const bar = this.bars[index];
    const meter = this.meters[index];
    if (!bar || !meter || this.stopped) return;
    if (total !== undefined) bar.setTotal(Math.max(total, 1));
    meter.sample(value);
    const rate = meter.perSecond();
    bar.update(value, {
      rate: formatRate(rate),
      left: formatEta((total ?? bar.getTotal()) - value, rate),
    });
  }

  log(line: string): void {
    if (this.stopped) return;
    this.multibar.log(`${line}\n`);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.multibar.stop();
  }
}

/** Where there is no terminal: a line on stderr at most every second, and one at the end. */
export class PlainProgress implements Progress {
  private readonly values: number[];
  private readonly totals: number[];
  private readonly meters: RateMeter[];
  private lastPrinted = '';
  /** The first line comes after a second of work: quick work shows only its final line. */
  private lastAt = Date.now();
  private stopped = false;

  constructor(
    private readonly title: string,
    private readonly specs: readonly BarSpec[],
    private readonly write: (line: string) => void,
    private readonly everyMs = PLAIN_EVERY_MS,
  ) {
    this.values = specs.map(() => 0);
    this.totals = specs.map((s) => s.total);
    this.meters = specs.map(() => new RateMeter());
  }

  update(index: number, value: number, total?: number): void {
    if (index >= this.specs.length || this.stopped) return;
    this.values[index] = value;
    if (total !== undefined) this.totals[index] = total;
    this.meters[index].sample(value);
    if (Date.now() - this.lastAt >= this.everyMs) this.print();
  }

  log(line: string): void {
    if (!this.stopped) this.write(line);
  }

  stop(): void {
    if (this.stopped) return;
    this.print();
    this.stopped = true;
  }

  private print(): void {
    const parts = this.specs.map((spec, i) => {
      const rate = this.meters[i].perSecond();
      const done = this.values[i] >= this.totals[i];
      const tail = done
        ? ''
        : ` (${formatRate(rate)}/s, ETA ${formatEta(this.totals[i] - this.values[i], rate)})`;
      return `${spec.label} ${this.values[i]}/${this.totals[i]} ${spec.unit}${tail}`;
    });
    const line = `${this.title}: ${parts.join(', ')}`;
    this.lastAt = Date.now();
    if (line === this.lastPrinted) return;
    this.lastPrinted = line;
    this.write(line);
  }
}
