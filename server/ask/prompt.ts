import type { ComposedAnswer } from '../ranking/index.js';
import type { ChatMessage } from './llm.js';

const SYSTEM_PROMPT = [
  'You answer questions about research papers using only the numbered evidence, which quotes their abstracts.',
  'Cite every claim with the number of its evidence in square brackets, like [1] or [1][3]; never cite a number that is not listed.',
  'If the evidence does not answer the question, say that the indexed abstracts do not answer it.',
  'Do not use outside knowledge. Answer in at most five sentences of plain text.',
].join(' ');

const PARTIAL_NOTE = 'The evidence covers only part of the question: say once which part it does not answer.';

/**
 * The chat messages for a grounded question: one numbered evidence block per cited paper, with its
 * title and the sentence the extractive answer quotes from it, so the model writes from the same
 * evidence and `[n]` in its reply maps to `citations[n - 1]`.
 */
export function evidenceMessages(question: string, evidence: Pick<ComposedAnswer, 'citations' | 'partial'>): ChatMessage[] {
  const blocks = evidence.citations.map((citation, position) => `[${position + 1}] ${citation.title}\n${citation.sentence}`);
  const note = evidence.partial ? `\n\n${PARTIAL_NOTE}` : '';
  return [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: `Evidence:\n\n${blocks.join('\n\n')}${note}\n\nQuestion: ${question}` },
  ];
}
