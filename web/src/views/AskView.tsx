import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type Citation, isAbort, preparingDelay } from '../api.js';
import { Empty, ErrorMessage, Loading } from '../components/States.js';
import { useApi, useDocumentTitle, useStatus } from '../hooks.js';
import { parseAnswer } from '../lib/answer.js';
import { type AnswerStream, applyAskEvent, WAITING } from '../lib/ask-stream.js';
import { askHref, paperHref } from '../lib/route.js';
import { navigate } from '../router.js';

export function AskView({ question }: { question: string }) {
  useDocumentTitle(question ? `Ask: ${question}` : 'Ask');
  const [text, setText] = useState(question);
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => setText(question), [question]);
  useEffect(() => {
    if (!question) input.current?.focus();
  }, [question]);
  const status = useStatus();
  // Stream only when the server has a model; an unreachable status falls back to the plain answer, whose error shows.
  const streamed = status.state === 'ready' ? status.data.llm : status.state === 'error' ? false : undefined;

  const submit = (event: Event) => {
    event.preventDefault();
    if (text.trim()) navigate(askHref(text.trim()));
  };

  return (
    <div class="ask-view">
      <h1>Ask the papers</h1>
      <form class="ask-form" onSubmit={submit}>
        <label for="ask-input">Question</label>
        <textarea
          id="ask-input"
          ref={input}
          rows={2}
          maxLength={1000}
          placeholder="e.g. Are LLMs robust to noisy rewards in RL?"
          value={text}
          onInput={(event) => setText(event.currentTarget.value)}
          onKeyDown={(event) => {
            // Enter asks; Shift+Enter keeps the newline.
            if (event.key === 'Enter' && !event.shiftKey) submit(event);
          }}
        />
        <button type="submit" class="button button-primary" disabled={!text.trim()}>
          Ask
        </button>
      </form>
      <p class="hint">
        {streamed
          ? 'A language model writes the answer from sentences in the indexed abstracts, citing each one.'
          : 'Answers are assembled from sentences in the indexed abstracts, each with its source.'}
      </p>
      {!question ? null : streamed === undefined ? (
        <Loading label="Connecting…" />
      ) : streamed ? (
        <StreamedAnswer key={question} question={question} />
      ) : (
        <PlainAnswer question={question} />
      )}
    </div>
  );
}

function PlainAnswer({ question }: { question: string }) {
  const answer = useApi((signal) => api.ask(question, signal), [question]);
  if (answer.state === 'error') return <ErrorMessage error={answer.error} context="Could not answer" />;
  if (answer.state !== 'ready') return <Loading label={(answer.state === 'loading' && answer.preparing) || 'Reading the abstracts…'} />;
  return <Answer {...answer.data} phase="done" />;
}

/** Runs `POST /api/ask/stream` for `question`; `stop` aborts it and keeps what arrived, `retry` starts over. */
function useAnswerStream(question: string) {
  const [stream, setStream] = useState<AnswerStream>(WAITING);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [stopped, setStopped] = useState(false);
  const [attempt, setAttempt] = useState(0);
  /** The server's message while the sentence index is rebuilt; asked again by itself when it says. */
  const [preparing, setPreparing] = useState<string | undefined>(undefined);
  const controller = useRef<AbortController | undefined>(undefined);

  useEffect(() => {
    const current = new AbortController();
    controller.current = current;
    let retry: ReturnType<typeof setTimeout> | undefined;
    setStream(WAITING);
    setError(undefined);
    setStopped(false);
    void (async () => {
      try {
        for await (const event of api.askStream(question, current.signal)) {
          setPreparing(undefined);
          setStream((state) => applyAskEvent(state, event));
        }
      } catch (failure) {
        if (isAbort(failure)) return;
        const delay = preparingDelay(failure);
        if (delay !== undefined) {
          setPreparing((failure as Error).message);
          retry = setTimeout(() => setAttempt((n) => n + 1), delay);
        } else setError(failure instanceof Error ? failure : new Error(String(failure)));
      }
    })();
    return () => {
      current.abort();
      clearTimeout(retry);
    };
  }, [question, attempt]);

  return {
    stream,
    preparing,
    error,
    stopped,
    stop: () => {
      controller.current?.abort();
      setStopped(true);
    },
    retry: () => setAttempt((n) => n + 1),
  };
}

function StreamedAnswer({ question }: { question: string }) {
  const { stream, preparing, error, stopped, stop, retry } = useAnswerStream(question);
  const running = !error && !stopped && stream.phase !== 'done';
  if (error && stream.phase === 'waiting') return <ErrorMessage error={error} context="Could not answer" />;
  if (stream.phase === 'waiting' && !stopped) {
    return (
      <div class="answer-pending">
        <Loading label={preparing ?? 'Finding evidence…'} />
        <button type="button" class="button button-small" onClick={stop}>
          Stop
        </button>
      </div>
    );
  }
  return (
    <>
      {error ? <ErrorMessage error={error} context="The answer broke off" /> : null}
      <Answer
        {...stream}
        phase={running ? 'streaming' : 'done'}
        notes={
          <>
            {stream.modelError ? (
              <p class="note note-warn" role="note">
                The language model failed: {stream.modelError}. Showing the answer assembled from the abstracts instead.
              </p>
            ) : null}
            {stopped ? (
              <p class="note note-muted" role="note">
                Stopped before the answer was complete.{' '}
                <button type="button" class="button button-small" onClick={retry}>
                  Ask again
                </button>
              </p>
            ) : null}
          </>
        }
        action={
          running ? (
            <button type="button" class="button button-small" onClick={stop}>
              Stop
            </button>
          ) : null
        }
      />
    </>
  );
}

interface AnswerProps {
  answer: string;
  grounded: boolean;
  partial: boolean;
  citations: Citation[];
  see_also: Array<{ id: string; title: string }>;
  generated?: boolean;
  /** streaming: tokens are still arriving and `citations` are the evidence. */
  phase: 'streaming' | 'done';
  notes?: ComponentChildren;
  action?: ComponentChildren;
}

function Answer({ answer, grounded, partial, citations, see_also: seeAlso, generated, phase, notes, action }: AnswerProps) {
  const parts = parseAnswer(answer, citations.length);
  const streaming = phase === 'streaming';
  return (
    <section class="answer" aria-labelledby="answer-heading" data-phase={phase}>
      <div class="answer-main">
        <div class="answer-head">
          <h2 id="answer-heading">Answer</h2>
          {streaming ? (
            <span class="answer-progress" role="status">
              <span class="spinner" aria-hidden="true" />
              Writing…
            </span>
          ) : generated ? (
            <span class="chip">Written by a language model</span>
          ) : null}
          {action}
        </div>
        {/* A refusal says so in the answer itself; only a partial answer needs a note, and only one. */}
        {grounded && partial ? (
          <p class="note note-warn" role="note">
            The abstracts answer this question only in part: the sentences below are the closest evidence found.
          </p>
        ) : null}
        {notes}
        {/* aria-busy holds the announcement until the text is complete, so a screen reader reads it once, not per token. */}
        <p class="answer-text" aria-live="polite" aria-busy={streaming}>
          {parts.map((part, i) => {
            if (part.kind === 'text') return part.text;
            const citation = citations[part.n - 1];
            return citation ? (
              <a key={i} class="cite" href={paperHref(citation.id)} title={citation.title} data-citation={part.n}>
                [{part.n}]
              </a>
            ) : null;
          })}
          {streaming ? <span class="caret" aria-hidden="true" /> : null}
        </p>
      </div>
      {/* On wide screens the sources sit beside the answer, so a long answer can be checked without scrolling back and forth. */}
      <div class="answer-sources">
        {citations.length > 0 ? (
          <>
            <h2>{streaming ? 'Evidence' : 'Sources'}</h2>
            <ol class="citations">
              {citations.map((citation, i) => (
                <li key={`${citation.id}-${i}`} id={`citation-${i + 1}`}>
                  <a href={paperHref(citation.id)}>{citation.title}</a>
                  <blockquote>{citation.sentence}</blockquote>
                </li>
              ))}
            </ol>
          </>
        ) : streaming || seeAlso.length > 0 ? null : (
          <Empty>{grounded ? 'No sources were cited.' : 'No indexed paper is close to this question.'}</Empty>
        )}
        {!streaming && seeAlso.length > 0 ? (
          <nav class="see-also" aria-labelledby="see-also-heading">
            <h2 id="see-also-heading">See also</h2>
            <ul>
              {seeAlso.map((paper) => (
                <li key={paper.id}>
                  <a href={paperHref(paper.id)}>{paper.title}</a>
                </li>
              ))}
            </ul>
          </nav>
        ) : null}
      </div>
    </section>
  );
}
