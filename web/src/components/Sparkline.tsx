import { fillMonths, sparklinePoints } from '../lib/sparkline.js';

/** Papers per month as a tiny inline SVG; the label carries the same numbers for screen readers. */
export function Sparkline({
  months,
  width = 120,
  height = 28,
}: {
  months: { month: string; count: number }[];
  width?: number;
  height?: number;
}) {
  const series = fillMonths(months);
  if (series.length === 0) return null;
  const first = series[0]?.month;
  const last = series[series.length - 1]?.month;
  const peak = series.reduce((best, m) => (m.count > best.count ? m : best), series[0] ?? { month: '', count: 0 });
  const label = `Papers per month from ${first} to ${last}, peak ${peak.count} in ${peak.month}`;
  return (
    <span class="sparkline-wrap">
      <svg class="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
        <title>{label}</title>
        <polyline
          points={sparklinePoints(months, width, height)}
          fill="none"
          stroke="currentColor"
          stroke-width="1.5"
          stroke-linejoin="round"
        />
      </svg>
      <span class="sparkline-range" aria-hidden="true">
        {first === last ? first : `${first} – ${last}`}
      </span>
    </span>
  );
}
