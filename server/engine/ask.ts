import type { SentenceIndex } from '../../indexer/sentences/index.js';
import { ASK_PAPERS, type AskEvent, type AskSources, answerEvents, answerQuestion, type LlmSettings } from '../ask/index.js';
import type { ComposedAnswer } from '../ranking/index.js';
import type { AskParams, AskResponse } from './schemas.js';
import { search } from './search.js';
import type { EngineState } from './state.js';

/**
 * The sentence index behind ask, loaded on the first question (or `load()`): only ask needs it.
 * A failed load is retried on the next call.
 */
export class AskIndex {
  readonly #load: () => Promise<SentenceIndex>;
  #sentences: Promise<SentenceIndex> | undefined;
  #ready = false;
  /** One scorer per loaded state, so the refusal bar computed from it is computed once (see `lexicalGroundingScore`). */
  readonly #scorers = new WeakMap<EngineState, (text: string) => number>();

  constructor(load: () => Promise<SentenceIndex>) {
    this.#load = load;
  }

  get status(): 'ready' | 'loading' | 'loads on the first question' {
    return this.#ready ? 'ready' : this.#sentences ? 'loading' : 'loads on the first question';
  }

  load(): Promise<SentenceIndex> {
    if (!this.#sentences) {
      const loading = this.#load();
      this.#sentences = loading;
      loading.then(
        () => {
          this.#ready = true;
        },
        () => {
          if (this.#sentences === loading) this.#sentences = undefined;
        },
      );
    }
    return this.#sentences;
  }

  async sources(state: EngineState): Promise<AskSources> {
    let topLexicalScore = this.#scorers.get(state);
    if (!topLexicalScore) {
      topLexicalScore = (text: string) => state.lexical.search(text, { k: 1 })[0]?.score ?? 0;
      this.#scorers.set(state, topLexicalScore);
    }
    return {
      sentences: await this.load(),
      paper: (id) => state.paperById(id),
      idf: (term) => state.lexical.idf(term),
      topLexicalScore,
    };
  }
}

/** Retrieve, then read: the search's papers, and the sentences chosen inside them. */
async function answer(state: EngineState, index: AskIndex, question: string): Promise<ComposedAnswer> {
  const sources = await index.sources(state);
  const { results } = await search(state, { q: question, k: ASK_PAPERS, offset: 0, mode: 'hybrid', sort: 'relevance' });
  return answerQuestion(sources, question, await state.embedder.embedQuery(question), results);
}

/** Answers from the abstracts' own sentences, each claim cited. */
export async function ask(state: EngineState, index: AskIndex, params: AskParams) {
  const { answer: text, grounded, partial, citations, seeAlso } = await answer(state, index, params.question);
  return { answer: text, grounded, partial, citations, see_also: seeAlso } satisfies AskResponse;
}

/** The events as the API names their fields (snake_case): the final answer's `seeAlso` is `see_also`. */
export type ApiAskEvent = Exclude<AskEvent, { event: 'done' }> | { event: 'done'; data: AskResponse & { generated: boolean } };

async function* apiEvents(events: AsyncGenerator<AskEvent>): AsyncGenerator<ApiAskEvent> {
  for await (const event of events) {
    if (event.event !== 'done') yield event;
    else {
      const { seeAlso, ...rest } = event.data;
      yield { event: 'done', data: { ...rest, see_also: seeAlso } };
    }
  }
}

/**
 * The answer as events: written by the configured model from the chosen sentences, or the
 * extractive answer. Evidence is gathered before this resolves, so its failures are ordinary
 * errors; `signal` stops a generation whose client went away.
 */
export async function askStream(
  state: EngineState,
  index: AskIndex,
  llm: LlmSettings | undefined,
  params: AskParams,
  signal: AbortSignal,
): Promise<AsyncGenerator<ApiAskEvent>> {
  return apiEvents(answerEvents({ question: params.question, extractive: await answer(state, index, params.question) }, llm, signal));
}
