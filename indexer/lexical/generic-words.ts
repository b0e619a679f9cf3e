/**
 * Words of general academic English: verbs, adjectives and nouns that any abstract may use
 * ("ensure", "crucial", "scenarios"). They are searchable but never explain why two papers are
 * related. Stop words and BOILERPLATE_WORDS (text/) are excluded separately.
 */
export const GENERIC_WORDS: readonly string[] = [
  // verbs
  'achieve', 'address', 'adopt', 'affect', 'aim', 'allow', 'apply', 'applied', 'assess', 'assign', 'assume', 'attempt',
  'avoid', 'become', 'begin', 'bring', 'build', 'capture', 'cause', 'change', 'choose', 'combine', 'compare', 'compute',
  'conduct', 'consider', 'construct', 'contain', 'containing', 'contribute', 'control', 'depend', 'derive', 'design',
  'determine', 'develop', 'differ', 'enable', 'emerge', 'emerged', 'employ', 'enhance', 'ensure', 'establish',
  'establishes', 'estimate', 'evaluate', 'examine', 'exhibit', 'explore', 'extend', 'facilitate', 'fail', 'focus',
  'follow', 'gain', 'generate', 'give', 'guide', 'help', 'highlight', 'identify', 'illustrate', 'impact', 'include',
  'incorporate', 'increase', 'indicate', 'induce', 'integrate', 'investigate', 'involve', 'lack', 'lead', 'leverage',
  'leverages', 'limit', 'maintain', 'make', 'measure', 'measures', 'need', 'observe', 'obtain', 'offer', 'operate',
  'perform', 'play', 'predict', 'produce', 'promote', 'prove', 'receive', 'reduce', 'refer', 'reflect', 'rely',
  'remain', 'require', 'reveal', 'run', 'seek', 'select', 'serve', 'solve', 'suffer', 'suggest', 'support', 'take',
  'tend', 'test', 'treat', 'understand', 'utilize', 'validate', 'vary', 'yield',
  // adjectives and adverbs without the -ly that marks the rest
  'able', 'accurate', 'additional', 'appropriate', 'aware', 'better', 'broad', 'central', 'challenging', 'clear',
  'common', 'comparable', 'complementary', 'complex', 'comprehensive', 'consistent', 'continuous', 'critical',
  'crucial', 'current', 'diverse', 'easy', 'efficient', 'entire', 'essential', 'expensive', 'external', 'fundamental',
  'general', 'good', 'great', 'hard', 'high', 'higher', 'important', 'inherent', 'intermediate', 'known', 'limited',
  'low', 'lower', 'main', 'major', 'multiple', 'natural', 'necessary', 'notable', 'overall', 'particular', 'possible',
  'potential', 'practical', 'previous', 'primary', 'prior', 'promising', 'related', 'relevant', 'reliable', 'remarkable',
  'several', 'similar', 'simple', 'single', 'small', 'specific', 'standard', 'strong', 'substantial', 'successful',
  'suitable', 'superior', 'traditional', 'true', 'typical', 'unclear', 'unique', 'useful', 'valid', 'vital', 'whole',
  'wide', 'although', 'random', 'susceptible', 'crucially',
  // nouns of any field
  'aspect', 'baseline', 'case', 'challenge', 'cost', 'form', 'insight', 'issue', 'level', 'limitation', 'mode',
  'number', 'order', 'part', 'point', 'range', 'rate', 'scenario', 'set', 'setting', 'sum', 'technique', 'term',
  'time', 'type', 'way', 'metric', 'metrics', 'output', 'outputs', 'pass', 'prediction', 'information', 'capability',
  'capabilities', 'scale', 'step', 'process', 'quality', 'research', 'advancement', 'advancements', 'average',
  // function words missing from the stop list
  'when', 'while', 'where', 'whereas', 'since', 'its', 'during', 'instead', 'further', 'due', 'no', 'rather',
  'thereby', 'beyond', 'per', 'each', 'every', 'less', 'more', 'most', 'than', 'then', 'such', 'whose', 'which',
];
