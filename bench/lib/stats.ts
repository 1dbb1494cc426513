/** Percentile of an ascending-sorted array (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function summarise(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? NaN),
  };
}

/**
 * The samples grouped by whole seconds from `start` to their stamp (a latency by the second its
 * update was published), each group summarised: how a window went, second by second. A second with
 * no sample has count 0.
 */
export function bySecond(values: readonly number[], stamps: readonly number[], start: number) {
  if (values.length !== stamps.length) throw new RangeError('one stamp per value');
  const groups: number[][] = [];
  values.forEach((value, i) => {
    const second = Math.max(0, Math.floor((stamps[i] - start) / 1000));
    (groups[second] ??= []).push(value);
  });
  return Array.from(groups, (group, second) => ({ second, ...summarise(group ?? []) }));
}
