export type AnswerPart = { kind: 'text'; text: string } | { kind: 'cite'; n: number };

/**
 * Split an answer into text and `[n]` citation markers. Markers that point past the
 * citation list stay as plain text, so a wrong number never becomes a dead link.
 * `[1, 2]` and `[1][2]` both yield one marker per number.
 */
export function parseAnswer(answer: string, citationCount: number): AnswerPart[] {
  const parts: AnswerPart[] = [];
  const pushText = (text: string) => {
    if (!text) return;
    const last = parts[parts.length - 1];
    if (last?.kind === 'text') last.text += text;
    else parts.push({ kind: 'text', text });
  };
  const marker = /\[(\d+(?:\s*,\s*\d+)*)\]/g;
  let cursor = 0;
  for (const match of answer.matchAll(marker)) {
    const numbers = (match[1] ?? '').split(',').map((n) => Number.parseInt(n.trim(), 10));
    pushText(answer.slice(cursor, match.index));
    if (numbers.every((n) => n >= 1 && n <= citationCount)) {
      for (const n of numbers) parts.push({ kind: 'cite', n });
    } else {
      pushText(match[0]);
    }
    cursor = match.index + match[0].length;
  }
  pushText(answer.slice(cursor));
  return parts;
}
