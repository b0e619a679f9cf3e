import type { SentenceIndex } from '../../indexer/sentences/index.js';
import { type AskEvent, type AskSources, answerEvents, answerQuestion, type LlmSettings } from '../ask/index.js';
import type { AskParams } from './schemas.js';
import type { EngineState } from './state.js';

/** Sentences of evidence a model gets to write from (the extractive answer quotes 4). */
const LLM_EVIDENCE_SENTENCES = 8;

/**
 * The sentence index behind ask, loaded on the first question (or `load()`): only ask needs it.
 * A failed load is retried on the next call.
 */
export class AskIndex {
  readonly #load: () => Promise<SentenceIndex>;
  #sentences: Promise<SentenceIndex> | undefined;
  #ready = false;

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
    return { sentences: await this.load(), paper: (id) => state.paperById(id), idf: (term) => state.lexical.idf(term) };
  }
}

/** Answers from the abstracts' own sentences, each claim cited. */
export async function ask(state: EngineState, index: AskIndex, params: AskParams) {
  const sources = await index.sources(state);
  const { answer, grounded, citations, seeAlso } = answerQuestion(
    sources,
    params.question,
    await state.embedder.embedQuery(params.question),
  );
  return { answer, grounded, citations, seeAlso };
}

/**
 * The answer as events: written by the configured model from the evidence, or the extractive
 * answer. Evidence is gathered before this resolves, so its failures are ordinary errors; `signal`
 * stops a generation whose client went away.
 */
export async function askStream(
  state: EngineState,
  index: AskIndex,
  llm: LlmSettings | undefined,
  params: AskParams,
  signal: AbortSignal,
): Promise<AsyncGenerator<AskEvent>> {
  const sources = await index.sources(state);
  const vector = await state.embedder.embedQuery(params.question);
  const extractive = answerQuestion(sources, params.question, vector);
  const evidence = llm ? answerQuestion(sources, params.question, vector, { maxSentences: LLM_EVIDENCE_SENTENCES }) : extractive;
  return answerEvents({ question: params.question, extractive, evidence }, llm, signal);
}
