import { describe, expect, it } from 'vitest';
import { parseAnswer } from '../../web/src/lib/answer.js';
import { applyAskEvent, toAskEvent, WAITING } from '../../web/src/lib/ask-stream.js';
import { formatDate, pluralAtLeast } from '../../web/src/lib/format.js';
import { buildGrid, nearestPoint, toData, toScreen, zoomAt } from '../../web/src/lib/grid.js';
import { segments } from '../../web/src/lib/highlight.js';
import { clusterColor, PALETTE } from '../../web/src/lib/palette.js';
import { mapHref, parseRoute, searchHref } from '../../web/src/lib/route.js';
import { fillMonths, sparklinePoints } from '../../web/src/lib/sparkline.js';
import { parseSse } from '../../web/src/lib/sse.js';

describe('pluralAtLeast', () => {
  it('writes a lower-bound total as "1,000+ results" and an exact one as plural does', () => {
    expect(pluralAtLeast(1000, 'gte', 'result')).toBe('1,000+ results');
    expect(pluralAtLeast(1, 'eq', 'result')).toBe('1 result');
    expect(pluralAtLeast(1204, undefined, 'paper')).toBe('1,204 papers');
  });
});

describe('segments', () => {
  it('splits text into plain and marked runs from offsets', () => {
    expect(segments('reward noise in RL', [{ start: 7, end: 12 }])).toEqual([
      { text: 'reward ', marked: false },
      { text: 'noise', marked: true },
      { text: ' in RL', marked: false },
    ]);
  });

  it('merges overlapping and adjacent ranges, clamps out-of-range ones and keeps every character once', () => {
    const text = 'noisy rewards';
    const parts = segments(text, [
      { start: 6, end: 13 },
      { start: 0, end: 5 },
      { start: 3, end: 7 },
      { start: 12, end: 99 },
      { start: 8, end: 8 },
    ]);
    expect(parts).toEqual([{ text: 'noisy rewards', marked: true }]);
    expect(segments('abc', [{ start: -4, end: 1 }])).toEqual([
      { text: 'a', marked: true },
      { text: 'bc', marked: false },
    ]);
    expect(
      segments('<b>x</b>', [])
        .map((p) => p.text)
        .join(''),
    ).toBe('<b>x</b>');
  });
});

describe('parseAnswer', () => {
  it('turns [n] and [n, m] markers into citations and leaves unknown numbers as text', () => {
    expect(parseAnswer('Robust [1]. Both [1, 2]. Wrong [7].', 2)).toEqual([
      { kind: 'text', text: 'Robust ' },
      { kind: 'cite', n: 1 },
      { kind: 'text', text: '. Both ' },
      { kind: 'cite', n: 1 },
      { kind: 'cite', n: 2 },
      { kind: 'text', text: '. Wrong [7].' },
    ]);
    expect(parseAnswer('No sources.', 0)).toEqual([{ kind: 'text', text: 'No sources.' }]);
  });
});

describe('routes', () => {
  it('parses every view and round-trips search filters through the URL', () => {
    expect(parseRoute('/paper/a%2Fb', '')).toEqual({ name: 'paper', id: 'a/b' });
    expect(parseRoute('/topics/', '')).toEqual({ name: 'topics' });
    expect(parseRoute('/map', '')).toEqual({ name: 'map', query: '' });
    expect(parseRoute('/map', mapHref('noisy rewards').slice('/map'.length))).toEqual({ name: 'map', query: 'noisy rewards' });
    expect(parseRoute('/ask', '?q=why%3F')).toEqual({ name: 'ask', question: 'why?' });
    expect(parseRoute('/nope', '').name).toBe('not-found');
    const href = searchHref({ q: 'noisy rewards', topic: '2', sort: '' });
    expect(href).toBe('/?q=noisy+rewards&topic=2');
    const route = parseRoute('/', href.slice(1));
    expect(route.name === 'search' && route.params.get('q')).toBe('noisy rewards');
  });
});

describe('map geometry', () => {
  const viewport = { width: 400, height: 300 };

  it('finds the nearest point within the radius and nothing outside it', () => {
    const points = [
      { x: 0, y: 0 },
      { x: 0.5, y: 0.5 },
      { x: -0.99, y: 0.99 },
    ];
    const grid = buildGrid(points, 8);
    expect(nearestPoint(grid, 0.48, 0.49, 0.05)).toBe(1);
    expect(nearestPoint(grid, -1, 1, 0.05)).toBe(2);
    expect(nearestPoint(grid, 0.25, 0.25, 0.05)).toBe(-1);
  });

  it('maps data to screen and back, and zooms around the cursor', () => {
    const view = { zoom: 1, offsetX: 10, offsetY: -5 };
    const [sx, sy] = toScreen(view, viewport, 0.3, -0.6);
    const [x, y] = toData(view, viewport, sx, sy);
    expect(x).toBeCloseTo(0.3);
    expect(y).toBeCloseTo(-0.6);
    const zoomed = zoomAt(view, viewport, sx, sy, 3);
    const [zx, zy] = toScreen(zoomed, viewport, 0.3, -0.6);
    expect(zx).toBeCloseTo(sx);
    expect(zy).toBeCloseTo(sy);
    expect(zoomed.zoom).toBe(3);
  });
});

describe('sparkline and palette', () => {
  it('fills missing months with zero and scales points into the box', () => {
    expect(
      fillMonths([
        { month: '2025-12', count: 2 },
        { month: '2025-10', count: 1 },
      ]).map((m) => m.count),
    ).toEqual([1, 0, 2]);
    expect(
      sparklinePoints(
        [
          { month: '2025-10', count: 1 },
          { month: '2025-11', count: 2 },
        ],
        10,
        10,
      ),
    ).toBe('1.0,5.0 9.0,1.0');
    expect(sparklinePoints([{ month: '2025-10', count: 3 }], 10, 10).split(' ')).toHaveLength(2);
    expect(sparklinePoints([], 10, 10)).toBe('');
  });

  it('gives every topic id, even negative or large, a palette colour', () => {
    expect(clusterColor(0)).toBe(PALETTE[0]);
    expect(clusterColor(PALETTE.length + 1)).toBe(PALETTE[1]);
    expect(PALETTE).toContain(clusterColor(-1));
  });
});

describe('parseSse', () => {
  it('returns complete events and keeps a partial one as the rest', () => {
    expect(parseSse('event: token\ndata: {"text":"Hi"}\n\nevent: do')).toEqual({
      messages: [{ event: 'token', data: '{"text":"Hi"}' }],
      rest: 'event: do',
    });
    expect(parseSse('data: x\n')).toEqual({ messages: [], rest: 'data: x\n' });
  });

  it('gives the same events however the stream is cut into chunks', () => {
    const stream =
      'event: evidence\r\ndata: {"a":1}\r\n\r\n: keep-alive\n\nevent: token\ndata:no space\ndata:  two spaces\n\nevent: done\rdata: {}\r\r\n';
    const whole = parseSse(stream);
    expect(whole).toEqual({
      messages: [
        { event: 'evidence', data: '{"a":1}' },
        { event: 'token', data: 'no space\n two spaces' },
        { event: 'done', data: '{}' },
      ],
      rest: '',
    });
    for (let size = 1; size <= 7; size++) {
      const messages = [];
      let buffered = '';
      for (let i = 0; i < stream.length; i += size) {
        const parsed = parseSse(buffered + stream.slice(i, i + size));
        messages.push(...parsed.messages);
        buffered = parsed.rest;
      }
      expect(messages, `chunks of ${size}`).toEqual(whole.messages);
    }
  });

  it('names unnamed events "message", skips comments and blocks without data, and ignores unknown fields', () => {
    expect(parseSse('data: a\nid: 7\nretry: 10\n\n: note\nevent: ping\n\ndata\n\n').messages).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: '' },
    ]);
  });
});

describe('ask stream events', () => {
  const evidence = [
    { id: 'a', title: 'A', sentence: 'One.' },
    { id: 'b', title: 'B', sentence: 'Two.' },
  ];

  it('shows the evidence, grows the answer per token, then replaces it with the resolved answer', () => {
    let state = applyAskEvent(WAITING, { event: 'evidence', data: { grounded: true, partial: false, citations: evidence } });
    expect(state).toMatchObject({ phase: 'streaming', answer: '', citations: evidence });
    state = applyAskEvent(state, { event: 'token', data: { text: 'Robust ' } });
    state = applyAskEvent(state, { event: 'token', data: { text: '[2].' } });
    expect(state.answer).toBe('Robust [2].');
    const [, second] = evidence;
    state = applyAskEvent(state, {
      event: 'done',
      data: {
        answer: 'Robust [1].',
        grounded: true,
        partial: true,
        citations: second ? [second] : [],
        see_also: [{ id: 'a', title: 'A' }],
        generated: true,
      },
    });
    expect(state).toEqual({
      phase: 'done',
      answer: 'Robust [1].',
      grounded: true,
      partial: true,
      citations: [second],
      see_also: [{ id: 'a', title: 'A' }],
      generated: true,
    });
  });

  it('keeps the model failure to show next to the extractive answer', () => {
    const failed = applyAskEvent(WAITING, {
      event: 'error',
      data: { code: 'LLM_FAILED', status: 502, message: 'The model answered HTTP 500' },
    });
    const done = applyAskEvent(failed, {
      event: 'done',
      data: { answer: 'Extractive [1].', grounded: true, partial: false, citations: evidence, see_also: [], generated: false },
    });
    expect(done).toMatchObject({
      phase: 'done',
      answer: 'Extractive [1].',
      generated: false,
      modelError: 'The model answered HTTP 500 (LLM_FAILED)',
    });
  });

  it('types known events, skips unknown ones and rejects malformed data with the event name', () => {
    expect(toAskEvent({ event: 'token', data: '{"text":"a"}' })).toEqual({ event: 'token', data: { text: 'a' } });
    expect(toAskEvent({ event: 'progress', data: '{}' })).toBeUndefined();
    expect(toAskEvent({ event: 'toString', data: '{}' })).toBeUndefined();
    expect(() => toAskEvent({ event: 'done', data: '{"answer":"x"}' })).toThrow(
      /malformed "done" event \(missing grounded, citations, see_also\)/,
    );
    expect(() => toAskEvent({ event: 'token', data: 'not json' })).toThrow(/malformed "token"/);
  });
});

describe('formatDate', () => {
  it('shows a date at the precision it has', () => {
    expect(formatDate('2025-05-28')).toBe('28 May 2025');
    expect(formatDate('2025-05')).toBe('May 2025');
    expect(formatDate('2025')).toBe('2025');
    expect(formatDate(null)).toBe('undated');
  });
});
