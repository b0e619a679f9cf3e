/**
 * SVG polyline points for monthly counts, scaled to a width×height box with a 1px inset.
 * Months missing between the first and last are drawn as zero so gaps are visible.
 */
export function sparklinePoints(months: readonly { month: string; count: number }[], width: number, height: number): string {
  const series = fillMonths(months);
  if (series.length === 0) return '';
  const max = Math.max(1, ...series.map((m) => m.count));
  // A single month is drawn as a flat line so it stays visible.
  const drawn = series.length === 1 ? [series[0], series[0]] : series;
  const step = (width - 2) / (drawn.length - 1);
  return drawn
    .map((m, i) => {
      const y = height - 1 - ((m?.count ?? 0) / max) * (height - 2);
      return `${(1 + i * step).toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}

/** Every month from the earliest to the latest `YYYY-MM`, with zero counts filled in. */
export function fillMonths(months: readonly { month: string; count: number }[]): { month: string; count: number }[] {
  const valid = months.filter((m) => /^\d{4}-\d{2}$/.test(m.month)).sort((a, b) => a.month.localeCompare(b.month));
  const first = valid[0];
  const last = valid[valid.length - 1];
  if (!first || !last) return [];
  const counts = new Map(valid.map((m) => [m.month, m.count]));
  const out: { month: string; count: number }[] = [];
  let [year, month] = first.month.split('-').map(Number) as [number, number];
  // Cap the span: a stray date decades away must not produce thousands of points.
  for (let guard = 0; guard < 600; guard++) {
    const key = `${year}-${String(month).padStart(2, '0')}`;
    out.push({ month: key, count: counts.get(key) ?? 0 });
    if (key === last.month) break;
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
  return out;
}
