/**
 * Relative times: the server writes each `<time datetime>` as an absolute UTC time (readable without
 * script); here it becomes "4 min ago", the exact local time on hover.
 */
const UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];
const RELATIVE = new Intl.RelativeTimeFormat('en', { numeric: 'auto', style: 'short' });
const EXACT = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });

export function relativeTime(ms: number, now: number): string {
  const diff = ms - now;
  if (Math.abs(diff) < 45_000) return 'just now';
  for (const [unit, size] of UNITS) {
    if (Math.abs(diff) >= size || unit === 'minute') {
      if (unit === 'day' && Math.abs(diff) > 7 * size) return EXACT.format(new Date(ms));
      return RELATIVE.format(Math.round(diff / size), unit);
    }
  }
  return 'just now';
}

export function localizeTimes(root: ParentNode, now = Date.now()): void {
  for (const el of Array.from(root.querySelectorAll<HTMLTimeElement>('time[datetime]'))) {
    const ms = Date.parse(el.dateTime);
    if (!Number.isFinite(ms)) continue;
    const text = `${el.dataset.prefix ?? ''}${relativeTime(ms, now)}`;
    if (el.textContent !== text) el.textContent = text;
    const exact = EXACT.format(new Date(ms));
    if (el.title !== exact) el.title = exact;
  }
}

/** Keeps the times of `root` relative as the minutes pass. */
export function keepTimesRelative(root: ParentNode): void {
  localizeTimes(root);
  setInterval(() => localizeTimes(root), 30_000);
}
