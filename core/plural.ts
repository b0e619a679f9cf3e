/**
 * "1 paper", "2 papers", "1,204 papers": a count and its noun. Shared by the CLI and the web page.
 *
 * @example plural(1, 'topic') // "1 topic"
 */
export function plural(count: number, word: string, many = `${word}s`): string {
  return `${formatCount(count)} ${count === 1 ? word : many}`;
}

/**
 * A count as `toLocaleString('en')` writes it ("1,204"), whole numbers without Intl: ICU's number
 * formatting costs ≈ 13 ms of CPU on its first use, and a server formats counts as it starts.
 *
 * @example formatCount(5183) // "5,183"
 */
export function formatCount(count: number): string {
  if (!Number.isSafeInteger(count)) return count.toLocaleString('en');
  const digits = String(Math.abs(count));
  let grouped = digits.slice(0, digits.length % 3 || 3);
  for (let i = grouped.length; i < digits.length; i += 3) grouped += `,${digits.slice(i, i + 3)}`;
  return count < 0 ? `-${grouped}` : grouped;
}

/**
 * A search's count, with "+" when it is a lower bound (`total_relation` 'gte': counting stopped at
 * the cap): "1,000+ results".
 */
export function pluralAtLeast(count: number, relation: 'eq' | 'gte' | undefined, word: string, many = `${word}s`): string {
  return relation === 'gte' ? `${formatCount(count)}+ ${many}` : plural(count, word, many);
}
