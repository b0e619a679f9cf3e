import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type AskResponse } from '../api.js';
import { Empty, ErrorMessage, Loading } from '../components/States.js';
import { useApi, useDocumentTitle } from '../hooks.js';
import { parseAnswer } from '../lib/answer.js';
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
  const answer = useApi((signal) => (question ? api.ask(question, signal) : undefined), [question]);

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
      <p class="hint">Answers are assembled from sentences in the indexed abstracts, each with its source.</p>
      {answer.state === 'error' ? (
        <ErrorMessage error={answer.error} context="Could not answer" />
      ) : answer.state === 'loading' ? (
        <Loading label="Reading the abstracts…" />
      ) : answer.state === 'ready' ? (
        <Answer data={answer.data} />
      ) : null}
    </div>
  );
}

function Answer({ data }: { data: AskResponse }) {
  const parts = parseAnswer(data.answer, data.citations.length);
  return (
    <section class="answer" aria-labelledby="answer-heading" aria-live="polite">
      <h2 id="answer-heading">Answer</h2>
      {data.grounded ? null : (
        <p class="note note-warn" role="note">
          The indexed abstracts do not answer this question directly; treat what follows with care.
        </p>
      )}
      <p class="answer-text">
        {parts.map((part, i) => {
          if (part.kind === 'text') return part.text;
          const citation = data.citations[part.n - 1];
          return citation ? (
            <a key={i} class="cite" href={paperHref(citation.id)} title={citation.title} data-citation={part.n}>
              [{part.n}]
            </a>
          ) : null;
        })}
      </p>
      {data.citations.length > 0 ? (
        <>
          <h2>Sources</h2>
          <ol class="citations">
            {data.citations.map((citation, i) => (
              <li key={`${citation.id}-${i}`} id={`citation-${i + 1}`}>
                <a href={paperHref(citation.id)}>{citation.title}</a>
                <blockquote>{citation.sentence}</blockquote>
              </li>
            ))}
          </ol>
        </>
      ) : (
        <Empty>No sources were cited.</Empty>
      )}
    </section>
  );
}
