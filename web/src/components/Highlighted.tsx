import type { Highlight } from '../api.js';
import { segments } from '../lib/highlight.js';

/** Text with server highlight offsets rendered as <mark> elements (text nodes only, never HTML). */
export function Highlighted({ text, highlights }: { text: string; highlights: readonly Highlight[] }) {
  return <>{segments(text, highlights).map((segment, i) => (segment.marked ? <mark key={i}>{segment.text}</mark> : segment.text))}</>;
}
