import { arxivLinks, type SearchResult } from '../api.js';
import { formatDate, plural } from '../lib/format.js';
import { paperHref } from '../lib/route.js';
import { Highlighted } from './Highlighted.js';
import { NewBadge } from './NewBadge.js';
import { TopicChip } from './TopicChip.js';

export function ResultCard({ result, query }: { result: SearchResult; query?: string }) {
  const arxiv = arxivLinks(result.arxiv_id);
  const who = result.organization ?? (result.authors_count ? plural(result.authors_count, 'author') : null);
  return (
    <li class="card">
      <h3 class="card-title">
        <a href={paperHref(result.id)} data-result-link>
          {result.title}
        </a>
        <NewBadge id={result.id} />
      </h3>
      <p class="meta">
        <time dateTime={result.date ?? undefined}>{formatDate(result.date)}</time>
        {who ? <span>{who}</span> : null}
        <span title="Upvotes on Hugging Face Daily Papers">▲ {result.upvotes}</span>
        {result.cluster ? <TopicChip cluster={result.cluster} query={query} /> : null}
        {result.url ? (
          <a class="source" href={result.url} target="_blank" rel="noopener noreferrer">
            Source<span class="visually-hidden"> for {result.title} (opens in a new tab)</span>
          </a>
        ) : null}
        {arxiv ? (
          <>
            <a class="source" href={arxiv.abstract} target="_blank" rel="noopener noreferrer" data-arxiv="abstract">
              arXiv<span class="visually-hidden"> abstract of {result.title} (opens in a new tab)</span>
            </a>
            <a class="source" href={arxiv.pdf} target="_blank" rel="noopener noreferrer" data-arxiv="pdf">
              PDF<span class="visually-hidden"> of {result.title} on arXiv (opens in a new tab)</span>
            </a>
          </>
        ) : null}
      </p>
      {result.snippet ? (
        <p class="snippet">
          <Highlighted text={result.snippet} highlights={result.highlights} />
        </p>
      ) : null}
      {result.shared_terms && result.shared_terms.length > 0 ? (
        <p class="why">
          <span class="why-label">Shared terms:</span>
          <span class="chips">
            {result.shared_terms.map((term) => (
              <span class="chip chip-term" key={term}>
                {term}
              </span>
            ))}
          </span>
        </p>
      ) : null}
    </li>
  );
}
