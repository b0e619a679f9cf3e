import { readFile, rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { createApp } from '../../server/app.js';
import { ASK_PAPERS, answerQuestion, type LlmSettings, lexicalGroundingScore } from '../../server/ask/index.js';
import { AskIndex } from '../../server/engine/ask.js';
import { SearchEngine } from '../../server/engine/index.js';
import { loadEngine } from '../../server/engine/load.js';
import { searchParamsSchema } from '../../server/engine/schemas.js';
import { search } from '../../server/engine/search.js';
import { dataDirLayout } from '../../indexer/store/index.js';
import { loadSentenceIndex } from '../../indexer/sentences/index.js';
import { openSealedFile, sealFile } from '../../core/sealed-file.js';
import { buildSampleIndex } from '../helpers/sample-index.js';
import { fakeModel, streamChunks } from '../helpers/fake-model.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { outcomeOf, spawnCli } from '../reliability/cli.js';

const CLIMB = 'The Climb Carves Wisdom Deeper Than the Summit: On the Noisy Rewards in Learning to Reason';
const NOISY_QUESTION = 'How robust is reinforcement learning for LLM reasoning to noisy rewards?';
const KEY = 'test-key';

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });
}

describe('ask: sentence evidence, grounding, and the streamed answer', () => {
  let dataDir: string;
  let plain: SearchEngine;
  const open = (llm?: LlmSettings) => SearchEngine.open({ dataDir, cacheDir: readSettings().cacheDir, offline: true, llm });

  beforeAll(async () => {
    dataDir = await buildSampleIndex();
    plain = await open();
  }, INDEX_SAMPLE_MS);
  afterAll(async () => plain?.close());

  it('grounds a noisy-reward question, leading with and citing "The Climb Carves Wisdom…"', async () => {
    for (const question of [NOISY_QUESTION, 'Are LLMs robust to noisy rewards?', 'noisy rewards in reasoning']) {
      const answer = await plain.ask({ question });
      expect(answer.grounded, question).toBe(true);
      const titles = answer.citations.map((citation) => citation.title);
      expect(titles, question).toContain(CLIMB);
      // The answer leads with a sentence about noise in rewards or labels, not about speech or images.
      expect(answer.answer.slice(0, answer.answer.indexOf('[')), question).toMatch(/nois/i);
      expect(answer.answer.slice(0, answer.answer.indexOf('[')), question).not.toMatch(/speech|image/i);
      expect(answer.answer).not.toMatch(/available at|https?:\/\//);
    }
  });

  it('quotes what the papers found, not the background of their field, when asked how robust LLMs are to reward noise', async () => {
    const answer = await plain.ask({ question: 'How robust are LLMs to reward noise in reinforcement learning for math reasoning?' });
    expect(answer.citations[0]?.title).toBe(CLIMB);
    expect(answer.citations[0]?.sentence).toMatch(/^We found that LLMs demonstrate strong robustness/);
    expect(answer.citations.length).toBeGreaterThanOrEqual(3);
    for (const { sentence } of answer.citations) expect(sentence).not.toMatch(/increasingly critical|there have been plenty of studies/);
  });

  it('refuses questions the abstracts do not answer, listing no paper as close to them', async () => {
    // Off-topic questions, two of them sharing words with the sample ("reward", "training", "noise").
    for (const question of [
      'what is the boiling point of tungsten',
      'best pizza recipe in Naples',
      'who won the world cup in 1998',
      'What reward works best when training a puppy to sit?',
      'How much noise does a wind turbine make at night?',
    ]) {
      const answer = await plain.ask({ question });
      expect(answer, question).toEqual({
        grounded: false,
        partial: false,
        citations: [],
        see_also: [],
        answer: 'The indexed abstracts do not answer this question.',
      });
    }
    const app = createApp({ engine: plain });
    const response = await app.request('/api/ask/stream', {
      method: 'POST',
      body: JSON.stringify({ question: 'How do I repot an orchid?' }),
    });
    const done = parseSse(await response.text()).find((event) => event.event === 'done');
    expect(done?.data).toMatchObject({ grounded: false, see_also: [] });
  });

  it('answers a long paraphrase when a top paper matches 3 of its topical words, however diluted their share', async () => {
    // Held-out: its best paper is the search's first, matching 3 of 9 topical words (17% of their weight).
    const answer = await plain.ask({ question: 'Do scorers trained on what people prefer favour long replies that wander off the point?' });
    expect(answer).toMatchObject({ grounded: true, partial: true });
    expect(answer.citations[0]?.title).toBe('Preference-free Alignment Learning with Regularized Relevance Reward');
  });

  it(
    'persists the sentence index with its calibration, and rebuilds it when damaged',
    async () => {
      const layout = dataDirLayout(dataDir);
      const embedder = plain.manifest.embedder;
      const saved = await loadSentenceIndex(layout, embedder);
      if (!('index' in saved)) throw new Error(saved.problem.message);
      expect(saved.index.size).toBeGreaterThan(500);
      // Word-vector cosines run high: off-topic probes reach far above the random-pair median.
      expect(saved.index.calibration.probeMax).toBeGreaterThan(saved.index.calibration.p99);

      const dir = await buildSampleIndex();
      try {
        const copy = dataDirLayout(dir);
        // A file of an earlier format (sentences split differently) is stale, never read as current.
        const sealed = openSealedFile(await readFile(copy.sentences), 'PSSN', 'sentence index');
        if ('problem' in sealed) throw new Error(sealed.problem);
        await writeFile(copy.sentences, Buffer.concat(sealFile('PSSN', { ...(sealed.header as object), version: 5 }, [sealed.body])));
        expect(await loadSentenceIndex(copy, embedder)).toEqual({
          problem: { kind: 'stale', message: expect.stringMatching(/format version 5, not 7/) },
        });
        await writeFile(copy.sentences, (await readFile(copy.sentences)).subarray(0, 64));
        expect(await loadSentenceIndex(copy, embedder)).toEqual({
          problem: { kind: 'damaged', message: expect.stringMatching(/cut short/) },
        });
        const warnings: string[] = [];
        const engine = await SearchEngine.open({
          dataDir: dir,
          cacheDir: readSettings().cacheDir,
          offline: true,
          onEvent: (event) => event.type === 'warning' && warnings.push(event.message),
        });
        try {
          // The sentence index loads (and here is rebuilt) on the first question, not when the engine opens.
          expect(warnings).toEqual([]);
          expect((await engine.ask({ question: NOISY_QUESTION })).grounded).toBe(true);
          expect(warnings.join('\n')).toMatch(/Rebuilding the sentence index/);
          expect('index' in (await loadSentenceIndex(copy, embedder))).toBe(true);
          await rm(copy.sentences);
        } finally {
          await engine.close();
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    INDEX_SAMPLE_MS,
  );

  it('refuses and answers alike whatever the scale of the BM25 scores: the bar is a ratio to the off-topic probes', async () => {
    const { state, loadSentences } = await loadEngine({ dataDir, cacheDir: readSettings().cacheDir, offline: true });
    try {
      const sources = await new AskIndex(loadSentences).sources(state);
      // The search's BM25 on another scale (as a change to its weighting would put it): the same decisions.
      const rescaled = { ...sources, topLexicalScore: (text: string) => 3 * sources.topLexicalScore(text) };
      // A paraphrase answered because the search matched it more strongly than any probe; an off-topic question sharing a word or two.
      const questions = [
        'Do chatbots tuned against an inconsistent scorer end up giving less useful replies?',
        "What is the time complexity of Dijkstra's algorithm?",
      ];
      const decisions = [];
      for (const question of questions) {
        const { results } = await search(state, searchParamsSchema.parse({ q: question, k: ASK_PAPERS }));
        const vector = await state.embedder.embedQuery(question);
        const answer = answerQuestion(sources, question, vector, results);
        expect(answerQuestion(rescaled, question, vector, results), question).toEqual(answer);
        decisions.push(answer.grounded);
      }
      expect(decisions).toEqual([true, false]);
      expect(lexicalGroundingScore(rescaled)).toBeCloseTo(3 * lexicalGroundingScore(sources), 6);
    } finally {
      await state.embedder.close();
    }
  });

  it('streams the extractive answer when no model is configured', async () => {
    const app = createApp({ engine: plain });
    expect((await (await app.request('/api/status')).json()) as object).toMatchObject({ llm: false });
    const response = await app.request('/api/ask/stream', { method: 'POST', body: JSON.stringify({ question: NOISY_QUESTION }) });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = parseSse(await response.text());
    expect(events.map((event) => event.event)).toEqual(['evidence', 'token', 'done']);
    const extractive = await plain.ask({ question: NOISY_QUESTION });
    expect(events[1]?.data.text).toBe(extractive.answer);
    expect(events[2]?.data).toEqual({ ...extractive, generated: false });
    expect(extractive.see_also.length).toBeGreaterThan(0);
    const invalid = await app.request('/api/ask/stream', { method: 'POST', body: JSON.stringify({ question: '' }) });
    expect(invalid.status).toBe(400);
  });

  it('streams a model-written answer token by token, with the evidence in the prompt and citations resolved', async () => {
    const model = fakeModel((_request, response) =>
      streamChunks(response, ['LLMs are ', 'robust to ', 'reward noise [1]', '; see [2] and [9].']),
    );
    const url = await model.start();
    const engine = await open({ url, model: 'tiny-model', key: KEY });
    try {
      const app = createApp({ engine });
      expect((await (await app.request('/api/status')).json()) as object).toMatchObject({ llm: true });
      const response = await app.request('/api/ask/stream', { method: 'POST', body: JSON.stringify({ question: NOISY_QUESTION }) });
      const events = parseSse(await response.text());
      expect(events[0]?.event).toBe('evidence');
      const evidence = events[0]?.data.citations as Array<{ id: string; title: string; sentence: string }>;
      expect(evidence.length).toBeGreaterThanOrEqual(3);
      // The model writes from the very sentences the extractive answer quotes.
      const extractive = await plain.ask({ question: NOISY_QUESTION });
      expect(evidence).toEqual(extractive.citations);
      const tokens = events.filter((event) => event.event === 'token').map((event) => event.data.text);
      expect(tokens).toEqual(['LLMs are ', 'robust to ', 'reward noise [1]', '; see [2] and [9].']);
      const done = events[events.length - 1];
      expect(done?.event).toBe('done');
      expect(done?.data).toMatchObject({ answer: 'LLMs are robust to reward noise [1]; see [2] and.', grounded: true, generated: true });
      expect(done?.data.citations).toEqual(evidence.slice(0, 2));
      // Evidence the model left uncited comes first in see_also, then the papers the answer did not quote.
      expect(done?.data.see_also).toEqual([...evidence.slice(2).map(({ id, title }) => ({ id, title })), ...extractive.see_also]);

      const [request] = model.requests;
      expect(request?.path).toBe('/v1/chat/completions');
      expect(request?.authorization).toBe(`Bearer ${KEY}`);
      expect(request?.body).toMatchObject({ model: 'tiny-model', stream: true });
      const messages = request?.body.messages as Array<{ role: string; content: string }>;
      expect(messages[messages.length - 1]?.content).toContain(`[1] ${evidence[0]?.title}\n${evidence[0]?.sentence}`);
      expect(messages[messages.length - 1]?.content).toContain(NOISY_QUESTION);
    } finally {
      await engine.close();
      await model.stop();
    }
  });

  it('reports a failing model as an error event and falls back to the extractive answer', async () => {
    const model = fakeModel((_request, response) => response.writeHead(500).end('model crashed'));
    const url = await model.start();
    const engine = await open({ url, model: 'tiny-model' });
    try {
      const response = await createApp({ engine }).request('/api/ask/stream', {
        method: 'POST',
        body: JSON.stringify({ question: NOISY_QUESTION }),
      });
      const events = parseSse(await response.text());
      expect(events.map((event) => event.event)).toEqual(['evidence', 'error', 'done']);
      expect(events[1]?.data).toMatchObject({ code: 'LLM_FAILED', status: 502, message: expect.stringMatching(/HTTP 500: model crashed/) });
      expect(model.requests[0]?.authorization).toBeUndefined();
      const extractive = await plain.ask({ question: NOISY_QUESTION });
      expect(events[2]?.data).toMatchObject({ answer: extractive.answer, generated: false, grounded: true });
    } finally {
      await engine.close();
      await model.stop();
    }
  });

  it(
    'paperscope ask has the model of PAPERSCOPE_LLM_URL write the answer, from the same evidence',
    async () => {
      const model = fakeModel((_request, response) => streamChunks(response, ['Rewards can be ', 'very noisy [1].']));
      const url = await model.start();
      try {
        const env = { PAPERSCOPE_LLM_URL: url, PAPERSCOPE_LLM_MODEL: 'tiny-model', PAPERSCOPE_OFFLINE: '1' };
        const run = await outcomeOf(spawnCli(['ask', NOISY_QUESTION, '--data-dir', dataDir, '--json'], env));
        expect(run.code, run.stderr).toBe(0);
        const extractive = await plain.ask({ question: NOISY_QUESTION });
        const printed = JSON.parse(run.stdout) as Record<string, unknown>;
        expect(printed).toMatchObject({
          answer: 'Rewards can be very noisy [1].',
          generated: true,
          grounded: true,
          citations: extractive.citations.slice(0, 1),
        });
        expect(model.requests).toHaveLength(1);
        const messages = model.requests[0]?.body.messages as Array<{ content: string }>;
        for (const citation of extractive.citations) expect(messages[1]?.content).toContain(citation.sentence);

        const human = await outcomeOf(spawnCli(['ask', NOISY_QUESTION, '--data-dir', dataDir], env));
        expect(human.stdout).toMatch(/^Rewards can be very noisy \[1\]\.\n\n\[1\] /);
        expect(human.stdout).toMatch(/See also:/);
      } finally {
        await model.stop();
      }
    },
    INDEX_SAMPLE_MS,
  );

  it('does not call the model when the evidence is weak', async () => {
    const model = fakeModel((_request, response) => streamChunks(response, ['made up']));
    const url = await model.start();
    const engine = await open({ url, model: 'tiny-model' });
    try {
      const response = await createApp({ engine }).request('/api/ask/stream', {
        method: 'POST',
        body: JSON.stringify({ question: 'best pizza recipe in Naples' }),
      });
      const events = parseSse(await response.text());
      expect(events[events.length - 1]?.data).toMatchObject({ grounded: false, generated: false, citations: [] });
      expect(model.requests).toHaveLength(0);
    } finally {
      await engine.close();
      await model.stop();
    }
  });
});
