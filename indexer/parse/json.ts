import { createScanner, type ParseError, parseTree, printParseErrorCode, SyntaxKind } from 'jsonc-parser';
import { addLooseRecord } from './loose-record.js';
import type { ParseIssue } from './paper.js';
import { emptyResult, type FormatParser, lineIndex, parseFailure } from './record.js';

/** A JSON array of paper objects, or an object with a `papers` array. Invalid JSON fails whole. */
export const parseJson: FormatParser = (text, context) => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const { line, column, message } = locateSyntaxError(text, error);
    throw parseFailure(context.file, line, `invalid JSON: ${message}`, column);
  }
  const list = Array.isArray(value) ? value : isObject(value) ? value.papers : undefined;
  if (!Array.isArray(list)) {
    throw parseFailure(context.file, 1, 'expected an array of papers or an object with a "papers" array');
  }

  const result = emptyResult();
  const lines = elementLines(text, !Array.isArray(value));
  list.forEach((item, index) => {
    const line = lines[index] ?? 1;
    const before = result.issues.length;
    if (isObject(item)) addLooseRecord(result, item, { file: context.file, line });
    else result.issues.push({ file: context.file, line, message: `expected a paper object, found ${typeName(item)}` });
    // A JSON file may be one line long: the line alone would not say which record is meant.
    for (let at = before; at < result.issues.length; at++) result.issues[at] = { ...(result.issues[at] as ParseIssue), record: index + 1 };
  });
  return result;
};

/** One JSON object per line; a line that is not one is reported and the others are kept. */
export const parseJsonl: FormatParser = (text, context) => {
  const result = emptyResult();
  text.split(/\r?\n/).forEach((content, index) => {
    if (content.trim() === '') return;
    const line = index + 1;
    let item: unknown;
    try {
      item = JSON.parse(content);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result.issues.push({ file: context.file, line, message: `invalid JSON: ${message}` });
      return;
    }
    if (isObject(item)) addLooseRecord(result, item, { file: context.file, line });
    else result.issues.push({ file: context.file, line, message: `expected a paper object, found ${typeName(item)}` });
  });
  return result;
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : `a ${typeof value}`;
}

/**
 * Where JSON.parse failed. V8's messages do not always carry a position, so the text is parsed
 * again with jsonc-parser, which reports offsets (its recursion overflows on absurd nesting).
 */
function locateSyntaxError(text: string, error: unknown): { line: number; column: number; message: string } {
  const fallback = error instanceof Error ? error.message : String(error);
  const errors: ParseError[] = [];
  try {
    parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  } catch {
    return { line: 1, column: 1, message: fallback };
  }
  const first = errors[0];
  const offset = first?.offset ?? Number(/at position (\d+)/.exec(fallback)?.[1] ?? 0);
  const { line, column } = lineIndex(text).locate(offset);
  return { line, column, message: first ? printParseErrorCode(first.error) : fallback };
}

/**
 * The line on which each element of the papers array starts: the root array, or the `papers`
 * array of the root object. A token scan, so nesting depth costs no stack. The text is valid JSON.
 */
function elementLines(text: string, underPapersKey: boolean): number[] {
  const scanner = createScanner(text, true);
  // Per open container: whether it is the papers array, and for objects the last key read.
  const stack: Array<{ isArray: boolean; isPapers: boolean; key: string | undefined; expectKey: boolean }> = [];
  let lines: number[] = [];
  for (let token = scanner.scan(); token !== SyntaxKind.EOF; token = scanner.scan()) {
    const parent = stack.at(-1);
    if (token === SyntaxKind.CloseBraceToken || token === SyntaxKind.CloseBracketToken) {
      stack.pop();
      continue;
    }
    if (token === SyntaxKind.CommaToken) {
      if (parent && !parent.isArray) parent.expectKey = true;
      continue;
    }
    if (token === SyntaxKind.ColonToken) continue;
    if (parent && !parent.isArray && parent.expectKey) {
      parent.key = scanner.getTokenValue();
      parent.expectKey = false;
      continue;
    }
    // A value starts here.
    if (parent?.isPapers) lines.push(scanner.getTokenStartLine() + 1);
    if (token === SyntaxKind.OpenBraceToken || token === SyntaxKind.OpenBracketToken) {
      const isArray = token === SyntaxKind.OpenBracketToken;
      const isPapers = isArray && (underPapersKey ? stack.length === 1 && parent?.key === 'papers' : stack.length === 0);
      // With a repeated "papers" key, JSON.parse keeps the last one, and so do we.
      if (isPapers) lines = [];
      stack.push({ isArray, isPapers, key: undefined, expectKey: !isArray });
    }
  }
  return lines;
}
