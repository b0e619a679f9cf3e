const URL_PATTERN = /\b(?:https?:\/\/|www\.)\S+|\b\S+\.(?:com|org|io|net|ai)\/\S*/gi;
// "Code is available at …", "Our code and data are publicly available", "We release the dataset".
const RESOURCE =
  '(?:code|codes|source code|data|dataset|datasets|models?|weights|checkpoints|scripts|implementation|benchmark|resources|videos?|demo|project page|homepage|recipes?)';
const AVAILABILITY = new RegExp(
  [
    String.raw`\b${RESOURCE}\b[^.;]{0,80}\b(?:(?:is|are|will be|have been|has been)\s+(?:made\s+)?(?:publicly\s+|freely\s+|openly\s+)?(?:available|released|accessible|open[- ]?sourced)|can be found)\b`,
    String.raw`\bwe\s+(?:will\s+|have\s+|also\s+|further\s+|soon\s+)*(?:release[sd]?|open[- ]?sourced?|publish(?:ed)?)\b`,
    String.raw`\bmake\w*\s+(?:our|the|all)\b[^.;]{0,40}\b${RESOURCE}\b[^.;]{0,20}\b(?:available|public(?:ly)?)\b`,
    String.raw`^\s*${RESOURCE}\s*[:：]`,
  ].join('|'),
  'i',
);

/**
 * Sentences that say where to get the code or data rather than anything about the research:
 * they are true but answer no question, so they are never quoted as evidence.
 * @example isBoilerplate('Code is available at https://github.com/x/y.') // true
 */
export function isBoilerplate(sentence: string): boolean {
  const withoutUrls = sentence.replace(URL_PATTERN, ' ');
  const words = withoutUrls.match(/\p{L}{2,}/gu) ?? [];
  if (words.length < 4) return true;
  if (AVAILABILITY.test(withoutUrls)) return true;
  // A short sentence built around a link ("We provide videos at: …") points somewhere else.
  return withoutUrls.length !== sentence.length && words.length < 15;
}
