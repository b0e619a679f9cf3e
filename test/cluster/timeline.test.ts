import { describe, expect, it } from 'vitest';
import { topicTimeline } from '../../indexer/cluster/index.js';

describe('topicTimeline', () => {
  const dates = ['2024-01-15', '2023-11-02', null, '2024-01-03', '2025-06-30', '2024-03-01'];
  const assignments = [0, 0, 0, 0, 1, 0];

  it('gives first, last, lower median and every month in between', () => {
    const [topic, other] = topicTimeline(dates, assignments, 2);
    expect(topic).toEqual({
      first: '2023-11-02',
      last: '2024-03-01',
      median: '2024-01-03',
      months: [
        { month: '2023-11', count: 1 },
        { month: '2023-12', count: 0 },
        { month: '2024-01', count: 2 },
        { month: '2024-02', count: 0 },
        { month: '2024-03', count: 1 },
      ],
    });
    expect(other).toEqual({ first: '2025-06-30', last: '2025-06-30', median: '2025-06-30', months: [{ month: '2025-06', count: 1 }] });
  });

  it('counts every dated paper once', () => {
    const timelines = topicTimeline(dates, assignments, 3);
    timelines.forEach((timeline, topic) => {
      const dated = dates.filter((date, index) => date !== null && assignments[index] === topic).length;
      expect(timeline.months.reduce((sum, month) => sum + month.count, 0)).toBe(dated);
    });
    expect(timelines[2]).toEqual({ first: null, last: null, median: null, months: [] });
  });

  it('counts a year alone towards no month, and a year and month towards its month', () => {
    const [topic] = topicTimeline(['2024', '2024-02', '2024-01-20'], [0, 0, 0], 1);
    expect(topic?.months).toEqual([
      { month: '2024-01', count: 1 },
      { month: '2024-02', count: 1 },
    ]);
  });

  it('names a bad date or topic', () => {
    expect(() => topicTimeline(['2024-13-01'], [0], 1)).toThrow(/dates\[0\] is "2024-13-01", not an ISO date/);
    expect(() => topicTimeline(['2024-01-01'], [2], 1)).toThrow(/assignments\[0\] is 2/);
  });
});
