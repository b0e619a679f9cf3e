import type { SentenceIndex } from '../../indexer/sentences/index.js';
import { ASK_PAPERS, type AskEvent, type AskSources, answerEvents, answerQuestion, type LlmSettings } from '../ask/index.js';
import type { ComposedAnswer } from '../ranking/index.js';
import type { LazyParts } from './load.js';
import { Preparing } from './preparing.js';
import type { AskParams, AskResponse } from './schemas.js';
import { search } from './search.js';
import type { EngineState } from './state.js';

/**
 * The sentence index behind ask, loaded on the first question (or `load()`): only ask needs it.
 * A failed load is retried on the next call. While it is being rebuilt, `preparing` knows.
 */
export class AskIndex {
  readonly #load: LazyParts['loadSentences'];
  readonly #reread: LazyParts['rereadSentences'] | undefined;
  readonly #preparing: Preparing;
  #sentences: Promise<SentenceIndex> | undefined;
  #ready = false;
  /** One scorer per loaded state, so the refusal bar computed from it is computed once (see `lexicalGroundingScore`). */
  readonly #scorers = new WeakMap<EngineState, (text: string) => number>();

  constructor(load: LazyParts['loadSentences'], preparing = new Preparing(), reread?: LazyParts['rereadSentences']) {
    this.#load = load;
    this.#reread = reread;
    this.#preparing = preparing;
  }

  get status(): 'ready' | 'loading' | 'rebuilding' | 'loads on the first question' {
    if (this.#ready) return 'ready';
    if (this.#preparing.status().some(({ part }) => part === 'sentence index')) return 'rebuilding';
    return this.#sentences ? 'loading' : 'loads on the first question';
  }

  load(): Promise<SentenceIndex> {
    if (!this.#sentences) {
      const hooks = this.#preparing.hooks('sentence index');
      const loading = this.#load(hooks);
      this.#sentences = loading;
      loading.then(
        () => {
          this.#ready = true;
          hooks.settled();
        },
        () => {
          hooks.settled();
          if (this.#sentences === loading) this.#sentences = undefined;
        },
      );
    }
    return this.#sentences;
  }

  /** With `refuse`, a rebuild under way for a second is an INDEX_PREPARING error instead of a long wait. */
  async sources(state: EngineState, refuse = false): Promise<AskSources> {
    let topLexicalScore = this.#scorers.get(state);
    if (!topLexicalScore) {
      topLexicalScore = (text: string) => state.lexical.search(text, { k: 1 })[0]?.score ?? 0;
      this.#scorers.set(state, topLexicalScore);
    }
    let sentences = await (refuse ? this.#preparing.orRefuse('sentence index', this.load()) : this.load());
    // Sentence vectors still being made: the indexer saves them into the file, read again once changed.
    if (sentences.pending > 0 && this.#reread) {
      const loaded = this.#sentences;
      const newer = await this.#reread().catch(() => undefined);
      if (newer && this.#sentences === loaded) {
        this.#sentences = Promise.resolve(newer);
        sentences = newer;
      }
    }
    return {
      sentences,
      paper: (id) => state.paperById(id),
      idf: (term) => state.lexical.idf(term),
      topLexicalScore,
      wordSimilarities: state.embedder.wordSimilarities?.bind(state.embedder),
    };
  }
}

/** How a question waits for a sentence index being rebuilt: the HTTP API refuses after a second, with Retry-After. */
export interface AskOptions {
  refuseWhilePreparing?: boolean;
}

/** Retrieve, then read: the search's papers, and the sentences chosen inside them. */
async function answer(state: EngineState, index: AskIndex, question: string, options: AskOptions): Promise<ComposedAnswer> {
  const sources = await index.sources(state, options.refuseWhilePreparing ?? false);
  const { results } = await search(state, { q: question, k: ASK_PAPERS, offset: 0, mode: 'hybrid', sort: 'relevance' });
  return answerQuestion(sources, question, await state.embedder.embedQuery(question), results);
}

/** Answers from the abstracts' own sentences, each claim cited. */
export async function ask(state: EngineState, index: AskIndex, params: AskParams, options: AskOptions = {}) {
  const { answer: text, grounded, partial, citations, seeAlso } = await answer(state, index, params.question, options);
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
  options: AskOptions = {},
): Promise<AsyncGenerator<ApiAskEvent>> {
  const extractive = await answer(state, index, params.question, options);
  return apiEvents(answerEvents({ question: params.question, extractive }, llm, signal));
}
