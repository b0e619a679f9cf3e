/** One Server-Sent Event: its `event` name ('message' when unnamed) and its `data` lines joined by '\n'. */
export interface SseMessage {
  event: string;
  data: string;
}

/**
 * Parses the complete events at the start of `text` (a stream read so far) and returns them with
 * the unconsumed rest, which the caller prepends to the next chunk. Follows the WHATWG event-stream
 * rules that matter for fetch-based clients: CRLF, CR or LF line ends, `:` comments, one optional
 * space after the colon, several `data:` lines per event, and no event for a block without data.
 * A trailing CR stays in the rest, because the next chunk may start with the LF of a CRLF.
 *
 * @example parseSse('event: token\ndata: {"text":"Hi"}\n\nevent: do')
 * // → { messages: [{ event: 'token', data: '{"text":"Hi"}' }], rest: 'event: do' }
 */
export function parseSse(text: string): { messages: SseMessage[]; rest: string } {
  const messages: SseMessage[] = [];
  const lineEnd = /\r\n|\r(?!$)|\n/g;
  let event = '';
  let data: string[] = [];
  let lineStart = 0;
  // Everything before `consumed` belongs to dispatched (or discarded) blocks.
  let consumed = 0;
  for (let match = lineEnd.exec(text); match; match = lineEnd.exec(text)) {
    const line = text.slice(lineStart, match.index);
    lineStart = match.index + match[0].length;
    if (line === '') {
      if (data.length > 0) messages.push({ event: event || 'message', data: data.join('\n') });
      event = '';
      data = [];
      consumed = lineStart;
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1));
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return { messages, rest: text.slice(consumed) };
}
