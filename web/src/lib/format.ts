export { plural, pluralAtLeast } from '../../../core/plural.js';

/** `2025-05-28` → `28 May 2025`, `2025-05` → `May 2025`; anything else (a year alone) is shown as given. */
export function formatDate(date: string | null): string {
  if (!date) return 'undated';
  // Shown at the precision known: "2024", "Mar 2024" or "5 Mar 2024".
  const match = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(date);
  if (!match) return date;
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const month = months[Number(match[2]) - 1] ?? match[2];
  return match[3] ? `${Number(match[3])} ${month} ${match[1]}` : `${month} ${match[1]}`;
}
