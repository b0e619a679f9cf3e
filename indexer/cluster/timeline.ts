import { PaperscopeError } from '../../core/errors.js';

export interface TopicTimeline {
  first: string | null;
  last: string | null;
  /** The lower median publication date, an actual paper's date. */
  median: string | null;
  /** Papers per month (YYYY-MM), every month from the first to the last, zeros included. */
  months: Array<{ month: string; count: number }>;
}

const ISO_DATE = /^\d{4}-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?$/;

/**
 * When each topic's papers appeared. Dates are ISO (YYYY-MM-DD or YYYY-MM); papers without a
 * date, or with a year alone (YYYY), count towards no month.
 */
export function topicTimeline(dates: ReadonlyArray<string | null>, assignments: readonly number[], k: number): TopicTimeline[] {
  if (dates.length !== assignments.length) {
    throw new PaperscopeError('INVALID_INPUT', `${dates.length} dates but ${assignments.length} assignments`, { field: 'dates' });
  }
  const byTopic: string[][] = Array.from({ length: k }, () => []);
  dates.forEach((date, index) => {
    const topic = assignments[index] as number;
    const list = byTopic[topic];
    if (!list) {
      throw new PaperscopeError('INVALID_INPUT', `assignments[${index}] is ${topic}, not a topic id below ${k}`, {
        field: 'assignments',
        index,
      });
    }
    // A year alone names no month.
    if (date === null || /^\d{4}$/.test(date)) return;
    if (!ISO_DATE.test(date)) {
      throw new PaperscopeError('INVALID_INPUT', `dates[${index}] is "${date}", not an ISO date (YYYY-MM-DD)`, {
        field: 'dates',
        index,
      });
    }
    list.push(date);
  });
  return byTopic.map((list) => {
    const sorted = [...list].sort();
    const first = sorted[0] ?? null;
    const last = sorted.at(-1) ?? null;
    return {
      first,
      last,
      median: sorted[Math.floor((sorted.length - 1) / 2)] ?? null,
      months: first && last ? monthCounts(sorted, first, last) : [],
    };
  });
}

function monthCounts(sorted: string[], first: string, last: string): Array<{ month: string; count: number }> {
  const counts = new Map<string, number>();
  for (const date of sorted) counts.set(date.slice(0, 7), (counts.get(date.slice(0, 7)) ?? 0) + 1);
  const months: Array<{ month: string; count: number }> = [];
  let year = Number(first.slice(0, 4));
  let month = Number(first.slice(5, 7));
  const end = last.slice(0, 7);
  for (;;) {
    const key = `${year}-${String(month).padStart(2, '0')}`;
    months.push({ month: key, count: counts.get(key) ?? 0 });
    if (key >= end) return months;
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
}
