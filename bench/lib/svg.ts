/**
 * A small SVG writer for the benchmark report: horizontal bar charts, grouped (one bar per series
 * for each category, e.g. livefeed beside the baseline) or stacked (series add up, e.g. CPU per
 * process). Pure: numbers in, a standalone SVG document out; no browser, no dependency.
 */

export interface Series {
  readonly name: string;
  /** One value per category; `undefined` draws no bar (not measured). */
  readonly values: readonly (number | undefined)[];
}

export interface BarChart {
  readonly title: string;
  /** Printed after each value and on the axis, e.g. `ms`, `/s`, `% of one core`. */
  readonly unit: string;
  readonly categories: readonly string[];
  readonly series: readonly Series[];
  /** Stacked: each category is one bar made of its series; grouped (default): a bar per series. */
  readonly stacked?: boolean;
  /** A vertical line across the chart, e.g. a target. */
  readonly marker?: { readonly value: number; readonly label: string };
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2'];
const PALETTE_REST = '#7f7f7f';
const WIDTH = 760;
const LABEL_W = 250;
const PLOT_W = WIDTH - LABEL_W - 90;
const BAR_H = 14;
const TOP = 40;

/** Text made safe inside an SVG element or attribute. */
export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A round upper bound for an axis: 1, 2, 2.5 or 5 × 10^k, at least `max`. */
export function niceMax(max: number): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}

/** A value as the chart prints it: whole and thousands-separated from 100 up, else 2 decimals at most. */
export function formatValue(v: number): string {
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en');
  return String(Math.round(v * 100) / 100);
}

const colour = (i: number) => PALETTE[i] ?? PALETTE_REST;

function validate(chart: BarChart): void {
  if (chart.categories.length === 0)
    throw new RangeError(`svg: chart "${chart.title}" has no categories`);
  if (chart.series.length === 0) throw new RangeError(`svg: chart "${chart.title}" has no series`);
  for (const s of chart.series) {
    if (s.values.length !== chart.categories.length) {
      throw new RangeError(
        `svg: series "${s.name}" of "${chart.title}" has ${s.values.length} values for ${chart.categories.length} categories`,
      );
    }
    for (const v of s.values) {
      if (v !== undefined && !(Number.isFinite(v) && v >= 0)) {
        throw new RangeError(
          `svg: series "${s.name}" of "${chart.title}" holds ${v}: values must be finite and ≥ 0`,
        );
      }
    }
  }
}

/** The chart as a standalone SVG document. Throws a RangeError on a malformed chart. */
export function barChart(chart: BarChart): string {
  validate(chart);
  const { categories, series } = chart;
  const stacked = chart.stacked === true;
  const totals = categories.map((_, c) =>
    stacked
      ? series.reduce((t, s) => t + (s.values[c] ?? 0), 0)
      : Math.max(0, ...series.map((s) => s.values[c] ?? 0)),
  );
  const axisMax = niceMax(Math.max(...totals, chart.marker?.value ?? 0));
  const x = (v: number) => LABEL_W + (v / axisMax) * PLOT_W;
  const barsPer = stacked ? 1 : series.length;
  const groupH = barsPer * BAR_H + 10;
  const plotH = categories.length * groupH;
  const legendY = TOP + plotH + 30;
  const height = legendY + 20;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escapeXml(chart.title)}</text>`,
  ];
  for (let t = 0; t <= 4; t++) {
    const v = (axisMax * t) / 4;
    out.push(
      `<line x1="${x(v)}" y1="${TOP - 4}" x2="${x(v)}" y2="${TOP + plotH}" stroke="#ddd"/>`,
      `<text x="${x(v)}" y="${TOP + plotH + 14}" text-anchor="middle" fill="#555">${escapeXml(formatValue(v))}</text>`,
    );
  }
  out.push(
    `<text x="${LABEL_W + PLOT_W}" y="${TOP - 8}" text-anchor="end" fill="#555">${escapeXml(chart.unit)}</text>`,
  );
  categories.forEach((category, c) => {
    const y0 = TOP + c * groupH;
    out.push(
      `<text x="${LABEL_W - 6}" y="${y0 + (barsPer * BAR_H) / 2 + 4}" text-anchor="end">${escapeXml(category)}</text>`,
    );
    let offset = 0;
    series.forEach((s, i) => {
      const v = s.values[c];
      if (v === undefined) return;
      const y = stacked ? y0 : y0 + i * BAR_H;
      const from = stacked ? offset : 0;
      offset += v;
      const w = Math.max(0.5, x(from + v) - x(from));
      out.push(
        `<rect x="${x(from)}" y="${y}" width="${w}" height="${BAR_H - 2}" fill="${colour(i)}"><title>${escapeXml(`${s.name}: ${formatValue(v)} ${chart.unit}`)}</title></rect>`,
      );
      if (!stacked) {
        out.push(
          `<text x="${x(v) + 4}" y="${y + BAR_H - 4}" fill="#333">${escapeXml(formatValue(v))}</text>`,
        );
      }
    });
    if (stacked) {
      out.push(
        `<text x="${x(totals[c]) + 4}" y="${y0 + BAR_H - 4}" fill="#333">${escapeXml(formatValue(totals[c]))}</text>`,
      );
    }
  });
  if (chart.marker) {
    const mx = x(chart.marker.value);
    out.push(
      `<line x1="${mx}" y1="${TOP - 4}" x2="${mx}" y2="${TOP + plotH}" stroke="#d62728" stroke-dasharray="4 3"/>`,
      `<text x="${mx + 3}" y="${TOP - 8}" fill="#d62728">${escapeXml(chart.marker.label)}</text>`,
    );
  }
  let lx = 10;
  series.forEach((s, i) => {
    out.push(
      `<rect x="${lx}" y="${legendY - 9}" width="10" height="10" fill="${colour(i)}"/>`,
      `<text x="${lx + 14}" y="${legendY}">${escapeXml(s.name)}</text>`,
    );
    lx += 24 + s.name.length * 6.5;
  });
  out.push('</svg>', '');
  return out.join('\n');
}
