import { useEffect, useRef, useState } from 'preact/hooks';
import { api, arxivLinks, exportUrl, isAbort, type Paper, type SearchResult } from '../api.js';
import { ExportLinks } from '../components/ExportLinks.js';
import { NewBadge } from '../components/NewBadge.js';
import { ResultCard } from '../components/ResultCard.js';
import { ResultList } from '../components/ResultList.js';
import { Empty, ErrorMessage, Loading } from '../components/States.js';
import { TopicChip } from '../components/TopicChip.js';
import { useApi, useDocumentTitle } from '../hooks.js';
import { formatDate, plural } from '../lib/format.js';

const RELATED = 10;

export function PaperView({ id }: { id: string }) {
  const paper = useApi((signal) => api.paper(id, signal), [id]);
  const similar = useApi((signal) => api.similarToPaper(id, RELATED, signal), [id]);
  useDocumentTitle(paper.state === 'ready' ? paper.data.title : 'Paper');

  if (paper.state === 'error') return <ErrorMessage error={paper.error} context="Could not load this paper" />;
  if (paper.state !== 'ready') return <Loading label="Loading paper…" />;

  return (
    <div class="paper-view">
      <PaperDetails paper={paper.data} />
      <section aria-labelledby="related-heading" class="related">
        <h2 id="related-heading">Related papers</h2>
        {similar.state === 'error' ? (
          <ErrorMessage error={similar.error} context="Could not load related papers" />
        ) : similar.state !== 'ready' ? (
          <Loading label={(similar.state === 'loading' && similar.preparing) || 'Finding related papers…'} />
        ) : similar.data.results.length === 0 ? (
          <Empty>{similar.data.note ?? 'No related papers in this index.'}</Empty>
        ) : (
          <ResultList label="Related papers">
            {similar.data.results.map((result) => (
              <ResultCard key={result.id} result={result} />
            ))}
          </ResultList>
        )}
      </section>
      <SimilarText />
    </div>
  );
}

function PaperDetails({ paper }: { paper: Paper }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // Move focus to the new page's heading so keyboard and screen-reader users start there.
  useEffect(() => heading.current?.focus(), [paper.id]);
  const arxiv = arxivLinks(paper.arxiv_id);
  const authors = paper.authors.length > 0 ? paper.authors.join(', ') : paper.authors_count ? plural(paper.authors_count, 'author') : null;
  return (
    <article class="paper" aria-labelledby="paper-title">
      <h1 id="paper-title" tabIndex={-1} ref={heading}>
        {paper.title}
        <NewBadge id={paper.id} />
      </h1>
      <dl class="paper-meta">
        <div>
          <dt>Published</dt>
          <dd>
            <time dateTime={paper.date ?? undefined}>{formatDate(paper.date)}</time>
          </dd>
        </div>
        {authors ? (
          <div>
            <dt>Authors</dt>
            <dd>{authors}</dd>
          </div>
        ) : null}
        {paper.organization ? (
          <div>
            <dt>Organisation</dt>
            <dd>{paper.organization}</dd>
          </div>
        ) : null}
        <div>
          <dt>Upvotes</dt>
          <dd>▲ {paper.upvotes}</dd>
        </div>
        {paper.cluster ? (
          <div>
            <dt>Topic</dt>
            <dd>
              <TopicChip cluster={paper.cluster} />
            </dd>
          </div>
        ) : null}
        {paper.categories.length > 0 ? (
          <div>
            <dt>Categories</dt>
            <dd>{paper.categories.join(', ')}</dd>
          </div>
        ) : null}
      </dl>
      <h2 class="visually-hidden">Abstract</h2>
      <p class="abstract">{paper.abstract || 'No abstract.'}</p>
      <p class="paper-links">
        {paper.url ? (
          <a class="button" href={paper.url} target="_blank" rel="noopener noreferrer">
            Open source page<span class="visually-hidden"> (opens in a new tab)</span>
          </a>
        ) : null}
        {arxiv ? (
          <>
            <a class="button" href={arxiv.abstract} target="_blank" rel="noopener noreferrer" data-arxiv="abstract">
              arXiv abstract<span class="visually-hidden"> (opens in a new tab)</span>
            </a>
            <a class="button" href={arxiv.pdf} target="_blank" rel="noopener noreferrer" data-arxiv="pdf">
              PDF<span class="visually-hidden"> on arXiv (opens in a new tab)</span>
            </a>
          </>
        ) : null}
      </p>
      <ExportLinks url={(format) => exportUrl({ paper: paper.id }, format)} count={1} />
    </article>
  );
}

/** "Find papers like this text": paste an abstract or draft and rank the index against it. */
function SimilarText() {
  const [text, setText] = useState('');
  const [state, setState] = useState<
    { state: 'idle' } | { state: 'loading' } | { state: 'ready'; results: SearchResult[] } | { state: 'error'; error: Error }
  >({ state: 'idle' });
  const controller = useRef<AbortController | undefined>(undefined);
  useEffect(() => () => controller.current?.abort(), []);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!text.trim()) return;
    controller.current?.abort();
    const current = new AbortController();
    controller.current = current;
    setState({ state: 'loading' });
    try {
      const body = await api.similarToText(text, RELATED, current.signal);
      setState({ state: 'ready', results: body.results });
    } catch (error) {
      if (!isAbort(error)) setState({ state: 'error', error: error as Error });
    }
  };

  return (
    <section aria-labelledby="like-text-heading" class="like-text">
      <h2 id="like-text-heading">Find papers like this text</h2>
      <form onSubmit={submit}>
        <label for="like-text-input">Paste an abstract, a draft paragraph or notes</label>
        <textarea id="like-text-input" rows={5} maxLength={20000} value={text} onInput={(event) => setText(event.currentTarget.value)} />
        <button type="submit" class="button button-primary" disabled={!text.trim() || state.state === 'loading'}>
          {state.state === 'loading' ? 'Searching…' : 'Find similar papers'}
        </button>
      </form>
      {state.state === 'error' ? <ErrorMessage error={state.error} context="Could not compare this text" /> : null}
      {state.state === 'ready' ? (
        state.results.length === 0 ? (
          <Empty>No similar papers found.</Empty>
        ) : (
          <ResultList label="Papers similar to your text">
            {state.results.map((result) => (
              <ResultCard key={result.id} result={result} />
            ))}
          </ResultList>
        )
      ) : null}
    </section>
  );
}
