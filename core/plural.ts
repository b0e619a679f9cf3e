/**
 * "1 paper", "2 papers", "1,204 papers": a count and its noun. Shared by the CLI and the web page.
 *
 * @example plural(1, 'topic') // "1 topic"
 */
export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count.toLocaleString('en')} ${count === 1 ? word : many}`;
}

/**
 * A search's count, with "+" when it is a lower bound (`total_relation` 'gte': counting stopped at
 * the cap): "1,000+ results".
 */
export function pluralAtLeast(count: number, relation: 'eq' | 'gte' | undefined, word: string, many = `${word}s`): string {
  return relation === 'gte' ? `${count.toLocaleString('en')}+ ${many}` : plural(count, word, many);
}
