export interface Segment {
  text: string;
  marked: boolean;
}

/**
 * Split `text` into plain and highlighted runs from character offsets.
 * Offsets are clamped to the text, sorted and merged, so overlapping or out-of-range
 * highlights from the server can never duplicate or drop characters.
 * @example segments('reward noise', [{ start: 7, end: 12 }]) // [{'reward ', false}, {'noise', true}]
 */
export function segments(text: string, highlights: readonly { start: number; end: number }[]): Segment[] {
  const ranges = highlights
    .map(({ start, end }) => [Math.max(0, Math.min(start, text.length)), Math.max(0, Math.min(end, text.length))] as const)
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0]);
  const out: Segment[] = [];
  let cursor = 0;
  for (const [start, end] of ranges) {
    if (end <= cursor) continue;
    const from = Math.max(start, cursor);
    if (from > cursor) out.push({ text: text.slice(cursor, from), marked: false });
    const last = out[out.length - 1];
    // Adjacent or overlapping highlights become one <mark>.
    if (last?.marked && from === cursor) last.text += text.slice(from, end);
    else out.push({ text: text.slice(from, end), marked: true });
    cursor = end;
  }
  if (cursor < text.length) out.push({ text: text.slice(cursor), marked: false });
  return out;
}
