import { barChart, escapeXml, formatValue, niceMax, type BarChart } from './svg';

const chart: BarChart = {
  title: 'p99 <latency> & "more"',
  unit: 'ms',
  categories: ['one story', 'spread'],
  series: [
    { name: 'livefeed', values: [200, 50] },
    { name: 'baseline', values: [80, undefined] },
  ],
};

const count = (svg: string, re: RegExp) => (svg.match(re) ?? []).length;
const widths = (svg: string) =>
  [
    ...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="12" fill="([^"]+)">/g),
  ].map((m) => ({ width: Number(m[1]), fill: m[2] }));

describe('svg bar charts', () => {
  it('draws one bar per measured value, scaled to a round axis, and a legend', () => {
    const svg = barChart(chart);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const bars = widths(svg);
    expect(bars).toHaveLength(3); // the unmeasured baseline value draws nothing
    // axis 0..200: 200 fills the plot, 50 a quarter of it, 80 two fifths
    expect(bars[1].width / bars[0].width).toBeCloseTo(80 / 200, 5);
    expect(bars[2].width / bars[0].width).toBeCloseTo(50 / 200, 5);
    expect(svg).toContain('>livefeed</text>');
    expect(svg).toContain('>baseline</text>');
  });

  it('escapes every text it prints', () => {
    const svg = barChart(chart);
    expect(svg).toContain('p99 &lt;latency&gt; &amp; &quot;more&quot;');
    expect(svg).not.toContain('<latency>');
    const hostile = barChart({
      ...chart,
      categories: ['</text><script>alert(1)</script>', 'b'],
    });
    expect(hostile).not.toContain('<script>');
  });

  it('stacks series into one bar per category, labelled with the total', () => {
    const svg = barChart({
      title: 'CPU',
      unit: '% of one core',
      stacked: true,
      categories: ['window'],
      series: [
        { name: 'gateway', values: [60] },
        { name: 'ingest', values: [30] },
        { name: 'nats', values: [10] },
      ],
    });
    const bars = widths(svg);
    expect(bars.map((b) => b.fill)).toEqual(['#1f77b4', '#ff7f0e', '#2ca02c']);
    expect(bars[0].width / bars[1].width).toBeCloseTo(2, 5);
    expect(svg).toContain('>100</text>');
  });

  it('draws a target marker and widens the axis to it', () => {
    const svg = barChart({ ...chart, marker: { value: 1000, label: 'target 1,000' } });
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('>target 1,000</text>');
    expect(svg).toContain('>1,000</text>'); // the axis end
  });

  it('refuses malformed charts with a clear error', () => {
    expect(() => barChart({ ...chart, categories: [] })).toThrow(/no categories/);
    expect(() => barChart({ ...chart, series: [] })).toThrow(/no series/);
    expect(() => barChart({ ...chart, series: [{ name: 'x', values: [1] }] })).toThrow(
      /series "x" .* has 1 values for 2 categories/,
    );
    for (const bad of [NaN, -1, Infinity]) {
      expect(() => barChart({ ...chart, series: [{ name: 'x', values: [bad, 1] }] })).toThrow(
        /must be finite and ≥ 0/,
      );
    }
  });

  it('draws an all-zero chart without dividing by zero', () => {
    const svg = barChart({ ...chart, series: [{ name: 'zero', values: [0, 0] }] });
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(count(svg, /<rect x="250" y="[\d.]+" width="0.5"/g)).toBe(2);
  });
});

describe('svg helpers', () => {
  it.each([
    [0, 1],
    [-3, 1],
    [NaN, 1],
    [0.7, 1],
    [1, 1],
    [1.2, 2],
    [3, 5],
    [7, 10],
    [120, 200],
    [203, 250],
    [251, 500],
    [40_000, 50_000],
  ])('niceMax(%p) = %p', (max, nice) => expect(niceMax(max)).toBe(nice));

  it('formats values', () => {
    expect(formatValue(39643.4)).toBe('39,643');
    expect(formatValue(12.345)).toBe('12.35');
    expect(formatValue(0)).toBe('0');
  });

  it('escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;',
    );
  });
});
