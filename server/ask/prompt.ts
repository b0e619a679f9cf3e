import type { ComposedAnswer } from '../ranking/index.js';
import type { ChatMessage } from './llm.js';

const SYSTEM_PROMPT = [
  'You answer questions about research papers using only the numbered evidence, which quotes their abstracts.',
  'Cite every claim with the number of its evidence in square brackets, like [1] or [1][3]; never cite a number that is not listed.',
  'If the evidence does not answer the question, say that the indexed abstracts do not answer it.',
  'Do not use outside knowledge. Answer in at most five sentences of plain text.',
].join(' ');

/**
 * The chat messages for a grounded question: one numbered evidence block per cited paper, with
 * its title and the sentences quoted from it, so `[n]` in the reply maps to `citations[n - 1]`.
 */
export function evidenceMessages(question: string, evidence: Pick<ComposedAnswer, 'citations' | 'quotes'>): ChatMessage[] {
  const blocks = evidence.citations.map((citation, position) => {
    const quotes = evidence.quotes.filter((quote) => quote.citation === position + 1).map((quote) => quote.sentence);
    return `[${position + 1}] ${citation.title}\n${quotes.join(' ')}`;
  });
  return [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: `Evidence:\n\n${blocks.join('\n\n')}\n\nQuestion: ${question}` },
  ];
}
