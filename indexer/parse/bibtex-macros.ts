import { parseFailure } from './record.js';

/**
 * Characters that `@string` macros may expand to in one file, definitions and uses together. The
 * parser builds every expansion as a string, so nested doubling (`@string{b = a # a}`, `c = b # b`,
 * …) in a few hundred bytes would take gigabytes and minutes; real files stay far below this.
 */
export const MAX_MACRO_EXPANSION = 16_000_000;

const STRING_DEFINITION = /@\s*string\s*[{(]\s*([^\s=#{}(),"]+)\s*=/gi;
/** A bare macro name in value position: after `=` or `#`. */
const MACRO_USE = /[=#]\s*([A-Za-z_][^\s=#{}(),"%]*)/g;

/**
 * Refuses a file whose `@string` macros would expand past `limit` characters, before the parser
 * builds them. Lengths are computed as the parser would concatenate the values; uses are counted
 * wherever a macro name follows `=` or `#`, which can only over-count.
 */
export function checkMacroExpansion(text: string, file: string, line: (offset: number) => number, limit = MAX_MACRO_EXPANSION): void {
  const lengths = new Map<string, number>();
  let total = 0;
  const refuse = (offset: number, what: string): never => {
    throw parseFailure(file, line(offset), `${what} expands to more than ${limit.toLocaleString('en-US')} characters; the file is refused`);
  };
  for (const match of text.matchAll(STRING_DEFINITION)) {
    const name = (match[1] ?? '').toUpperCase();
    const length = valueLength(text, match.index + match[0].length, lengths);
    total += length;
    if (length > limit || total > limit) refuse(match.index, `@string ${match[1]}`);
    lengths.set(name, length);
  }
  for (const match of text.matchAll(MACRO_USE)) {
    total += lengths.get((match[1] ?? '').toUpperCase()) ?? 0;
    if (total > limit) refuse(match.index, `the use of @string ${match[1]}`);
  }
}

/** The length of `a # "b" # {c} # 12` starting at `from`, with macros resolved from `lengths`. */
function valueLength(text: string, from: number, lengths: ReadonlyMap<string, number>): number {
  let at = from;
  let length = 0;
  for (;;) {
    at = skipSpace(text, at);
    const start = at;
    const first = text[at];
    if (first === '"' || first === '{') {
      at = closingOf(text, at);
      if (at === -1) return length;
      length += at - start - 1;
      at++;
    } else {
      while (at < text.length && !/[\s#,{}()"=]/.test(text[at] ?? '')) at++;
      const word = text.slice(start, at);
      length += /^\d+$/.test(word) ? word.length : (lengths.get(word.toUpperCase()) ?? word.length);
    }
    at = skipSpace(text, at);
    if (text[at] !== '#') return length;
    at++;
  }
}

function skipSpace(text: string, at: number): number {
  while (at < text.length && /\s/.test(text[at] ?? '')) at++;
  return at;
}

/** The offset of the `"` or `}` that closes the value opened at `at`, or -1. */
function closingOf(text: string, at: number): number {
  const quoted = text[at] === '"';
  let depth = 0;
  for (let i = at + 1; i < text.length; i++) {
    const char = text[i];
    if (char === '\\') i++;
    else if (char === '{') depth++;
    else if (char === '}') {
      if (!quoted && depth === 0) return i;
      depth--;
    } else if (char === '"' && quoted && depth <= 0) return i;
  }
  return -1;
}
