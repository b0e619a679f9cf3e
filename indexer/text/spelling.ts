/**
 * One spelling per word for matching: Greek letters by their names ("TNF-α" is "TNF-alpha") and
 * British spellings in their American form ("tumour" is "tumor", "haemoglobin" is "hemoglobin"),
 * which Porter's stemmer leaves apart. Biomedical abstracts use both of each pair ("tumour" is in
 * 203 SciFact abstracts, "tumor" in 1,000), so a query in one spelling missed the other's papers.
 * -ise and -ize ("randomised") are left apart: joining them changed no SciFact ranking but moved
 * the sample's related papers (same-topic precision 0.590 → 0.529).
 */

const GREEK: Readonly<Record<string, string>> = {
  α: 'alpha',
  β: 'beta',
  // The German sharp s stands in for beta in much typed text ("ß-catenin").
  ß: 'beta',
  γ: 'gamma',
  δ: 'delta',
  ε: 'epsilon',
  ζ: 'zeta',
  η: 'eta',
  θ: 'theta',
  ι: 'iota',
  κ: 'kappa',
  λ: 'lambda',
  μ: 'mu',
  ν: 'nu',
  ξ: 'xi',
  ο: 'omicron',
  π: 'pi',
  ρ: 'rho',
  σ: 'sigma',
  ς: 'sigma',
  τ: 'tau',
  υ: 'upsilon',
  φ: 'phi',
  χ: 'chi',
  ψ: 'psi',
  ω: 'omega',
};
const GREEK_LETTER = /[α-ωß]/g;

// British forms whose American twin differs where Porter's stemmer does not reconcile them. Each
// rule is anchored so that American words are never touched ("four", "hour", "rise", "genre").
const BRITISH: ReadonlyArray<readonly [RegExp, string]> = [
  // tumour and its derivatives (tumourigenesis, intratumoural). Everyday -our words (behaviour,
  // colour) are left as written: on the sample, "behaviour" as "behavior" in one abstract moved the
  // topics' agreement with the hand labels (NMI) below the TF-IDF baselines'.
  [/^(intra|extra|peri|anti)?tumour/, '$1tumor'],
  // anaemia, ischaemic, leukaemia, septicaemia, hyperglycaemia…
  [/aemi/, 'emi'],
  // haemoglobin, haematopoietic, haemorrhage.
  [/^haem/, 'hem'],
  [/^(ortho)?paed/, '$1ped'],
  [/^gynaec/, 'gynec'],
  [/^aetiol/, 'etiol'],
  [/^caesar/, 'cesar'],
  [/^faec/, 'fec'],
  [/^foet/, 'fet'],
  [/^oesophag/, 'esophag'],
  [/^oestr/, 'estr'],
  [/^oedem/, 'edem'],
  [/^coeliac/, 'celiac'],
  // diarrhoea, dyspnoea, apnoea.
  [/(rrh|pn)oea/, '$1ea'],
  // centre, fibre, litre, metre (millilitre, micrometre) and their plurals.
  [/(cent|fib|lit|met|theat|calib|spect)re(s?)$/, '$1er$2'],
  // analyse, paralyse, catalyse, hydrolyse, dialyse (not "analyses", which is also analysis' plural).
  [/(anal|paral|catal|hydrol|dial)ys(e|ed|ing|er|ers)$/, '$1yz$2'],
  // analogue, homologue, catalogue, dialogue (not "rogue" or "vogue").
  [/(?<=[a-z]{3})ogue(s?)$/, 'og$1'],
  // host defence, licence, offence.
  [/^(def|off|lic)ence(s?)$/, '$1ense$2'],
  [/^sulph/, 'sulf'],
  [/^aluminium/, 'aluminum'],
  [/^programme/, 'program'],
  [/^practis/, 'practic'],
];

/**
 * Text in which any of the rules can fire: the Greek letters and each British pattern without its
 * anchors. A rule that fires on a word matches the word, so its unanchored pattern matches any text
 * holding the word: text without a match respells to itself.
 */
const MAY_RESPELL = new RegExp(
  [GREEK_LETTER.source, ...BRITISH.map(([pattern]) => pattern.source.replace(/^\^/, '').replace(/\$$/, ''))].join('|'),
);

/** Whether `normaliseSpelling` may change a word of this lower-cased text; false means it changes none. */
export function mayRespell(lowerCased: string): boolean {
  return MAY_RESPELL.test(lowerCased);
}

/**
 * The form a lower-cased word is matched by: Greek letters spelled out, British spellings made
 * American. Words without either come back unchanged.
 * @example normaliseSpelling('tnf-α') // → 'tnf-alpha'
 * @example normaliseSpelling('tumours') // → 'tumors'
 */
export function normaliseSpelling(word: string): string {
  const normal = hasGreekLetter(word) ? word.replace(GREEK_LETTER, (letter) => GREEK[letter] ?? letter) : word;
  // Compounds are spelled piece by piece ("tumour-associated", "il-1β").
  if (hasJoiner(normal)) return normal.replace(/[a-z]+/g, americanSpelling);
  return americanSpelling(normal);
}

/** Whether `word` joins parts with a hyphen, caret, slash or dot (`/[-^/.]/`): a compound, when it is a matched word. */
export function hasJoiner(word: string): boolean {
  for (let at = 0; at < word.length; at++) {
    const code = word.charCodeAt(at);
    if (code === 0x2d || code === 0x5e || code === 0x2f || code === 0x2e) return true;
  }
  return false;
}

/** Whether `word` holds a letter of `GREEK_LETTER` (α to ω, ß), by character code: most words have none, and skip the replacement. */
function hasGreekLetter(word: string): boolean {
  for (let at = 0; at < word.length; at++) {
    const code = word.charCodeAt(at);
    if ((code >= 0x3b1 && code <= 0x3c9) || code === 0xdf) return true;
  }
  return false;
}

// Letters every British rule needs: most words have none, and skip the rules (tokenizing a corpus
// meets each distinct word once, so this is most of the cost).
const BRITISH_HINT = /tumour|ae|oe|re|ys|ogue|ence|sulph|alumin|programme|practis/;

function americanSpelling(word: string): string {
  if (word.length < 4 || !BRITISH_HINT.test(word)) return word;
  let normal = word;
  for (const [pattern, replacement] of BRITISH) normal = normal.replace(pattern, replacement);
  return normal;
}
