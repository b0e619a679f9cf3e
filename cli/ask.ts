import type { ApiAskEvent as AskEvent, AskParams, SearchEngine } from '../server/engine/index.js';
import { printAnswer } from './print.js';

export type FinalAnswer = Extract<AskEvent, { event: 'done' }>['data'];

/**
 * `paperscope ask`: the same events as `POST /api/ask/stream`, so the answer is written by the
 * configured model (PAPERSCOPE_LLM_URL) from the same evidence as on the page, or assembled from
 * the abstracts without one. A failing model is reported on stderr and the extractive answer printed.
 */
export async function streamAnswer(engine: SearchEngine, params: AskParams, options: { json: boolean }): Promise<FinalAnswer> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  try {
    let final: FinalAnswer | undefined;
    for await (const event of await engine.askStream(params, controller.signal)) {
      if (event.event === 'evidence' && event.data.grounded && engine.status().llm && !options.json)
        process.stderr.write('Writing the answer from the evidence with the language model…\n');
      if (event.event === 'error')
        process.stderr.write(
          `The language model failed: ${event.data.message}. Showing the answer assembled from the abstracts instead.\n`,
        );
      if (event.event === 'done') final = event.data;
    }
    if (!final) throw new Error('The answer stream ended without an answer');
    if (options.json) process.stdout.write(`${JSON.stringify(final, null, 2)}\n`);
    else printAnswer(final);
    return final;
  } finally {
    process.off('SIGINT', stop);
  }
}
