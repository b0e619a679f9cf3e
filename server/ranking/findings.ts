/**
 * Cues that tell a sentence reporting a result ("We find that…", "improves accuracy by 8.1%") from
 * background, motivation and set-up ("Recent studies…", "…remains under-explored", "In this paper we
 * propose…"). An answer quotes findings first: they are what a paper contributes.
 */

const REPORTING_VERB =
  '(?:find|found|show|showed|shown|demonstrate[sd]?|observe[sd]?|reveal(?:s|ed)?|confirm(?:s|ed)?|establish(?:es|ed)?|identify|identified|uncover(?:s|ed)?|prove[sd]?|report(?:s|ed)?|discover(?:s|ed)?|indicate[sd]?|suggest(?:s|ed)?|verif(?:y|ies|ied)|validate[sd]?)';
const FINDING_PATTERNS: readonly RegExp[] = [
  // "we find", "our analysis reveals", "results show", "experiments demonstrate", "this suggests"
  new RegExp(
    String.raw`\b(?:we|our\s+\w+(?:\s+\w+)?|results?|experiments?|evaluations?|analys[ie]s|studies|findings|evidence|this|these)\s+(?:\w+\s+)?${REPORTING_VERB}\b`,
    'i',
  ),
  // "for improving reasoning" states a purpose, not a result.
  /(?<!\b(?:for|of|to|towards?|at|in)\s+)\b(?:outperform(?:s|ed|ing)?|surpass(?:es|ed|ing)?|improv(?:es|ed|ing)|reduc(?:es|ed|ing)|increas(?:es|ed|ing)|boost(?:s|ed|ing)?|yield(?:s|ed|ing)?|achiev(?:es|ed|ing)|lead(?:s|ing)?\s+to|correlat(?:es|ed|ing)|degrad(?:es|ed|ing)|hurt(?:s|ing)?|fail(?:s|ed)?|robust(?:ness)?|comparable|on\s+par)\b/i,
  // "…and demonstrate that…", "can improve all the evaluated LLMs", "may not help or even hurt"
  new RegExp(
    String.raw`\b${REPORTING_VERB}\s+that\b|\b(?:can|could|may|does|do|did)\s+(?:not\s+)?(?:substantially\s+|significantly\s+)?(?:improve|reduce|increase|help|hurt|outperform|degrade)\b`,
    'i',
  ),
];
// A number that measures something: "40%", "+17.7 points", "from 5% to 72%", "8.4", "2.5x".
const MEASURE = /(?:\d+(?:\.\d+)?\s*(?:%|\\%|pp\b|points?\b|x\b|×|times\b)|\b\d+\.\d+\b|\bfrom\s+\d[\d.]*\s*%?\s+to\s+\d)/i;
const COMPARISON =
  /\b(?:than|compared\s+(?:to|with)|versus|vs\.?|relative\s+to|over\s+(?:the\s+)?(?:baselines?|prior|previous|existing|standard))\b/i;

const BACKGROUND_PATTERNS: readonly RegExp[] = [
  /^\s*(?:recent(?:ly)?|traditionally|typically|currently|existing|prior|previous|despite|while|although)\b/i,
  /\b(?:remains?|remained|is|are)\s+(?:still\s+)?(?:largely\s+|critically\s+|relatively\s+)?(?:under-?explored|unexplored|unclear|unknown|understudied|limited|challenging|an\s+open)\b/i,
  /\b(?:in\s+this\s+(?:paper|work|study)|here),?\s+we\s+(?:first\s+)?(?:propose|introduce|present|develop|design|describe|study|investigate|explore|take|aim|focus|evaluate|analy[sz]e|examine|conduct|construct|build|train|ask|revisit|consider)\b/i,
  /^\s*(?:to\s+(?:address|tackle|overcome|mitigate|resolve|bridge|this\s+end))\b/i,
  /^\s*(?:we\s+)?(?:propose|introduce|present)\b/i,
  // The field's state: "Reward models have been increasingly critical…", "there have been plenty of studies…", "X are key in…"
  /\b(?:little\s+is\s+known|(?:some|many|several|recent|prior|previous|existing)\s+(?:studies|works|research)|there\s+(?:have|has)\s+been|(?:have|has)\s+(?:been\s+)?(?:increasingly|widely|extensively)|(?:is|are)\s+(?:a\s+)?(?:key|critical|crucial|essential|central|fundamental)\s+(?:in|to|for|component)|(?:has|have)\s+(?:been\s+)?(?:emphasized|emerged|gained|attracted))\b/i,
];

/** A sentence that asks rather than states (an abstract's rhetorical question); never quoted as evidence. */
export function isQuestionSentence(sentence: string): boolean {
  return /\?\s*["'”’)\]]*\s*$/.test(sentence.trim());
}

/**
 * How strongly a sentence reads as a reported result, in [-1, 1]: a reporting verb or a result verb,
 * a measured number, a comparison; lowered for background and set-up phrasing, below zero when
 * nothing else speaks for it ("In this work, we evaluate…" says what was done, not what was found).
 * @example findingStrength('We found that LLMs demonstrate strong robustness to substantial reward noise.') // 0.75
 */
export function findingStrength(sentence: string): number {
  let score = 0;
  if (FINDING_PATTERNS[0]?.test(sentence)) score += 0.5;
  if (FINDING_PATTERNS[1]?.test(sentence)) score += 0.25;
  // A reported result named without a result verb: half as much when the subject's verb already counted.
  else if (FINDING_PATTERNS[2]?.test(sentence)) score += FINDING_PATTERNS[0]?.test(sentence) ? 0.25 : 0.5;
  if (MEASURE.test(sentence)) score += 0.25;
  if (COMPARISON.test(sentence)) score += 0.15;
  if (BACKGROUND_PATTERNS.some((pattern) => pattern.test(sentence))) score -= 0.5;
  return Math.max(-1, Math.min(1, score));
}
