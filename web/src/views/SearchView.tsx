import { useEffect, useRef, useState } from 'preact/hooks';
import {
  api,
  type BrowseParams,
  type Cluster,
  exportUrl,
  isAbort,
  type SearchMode,
  type SearchParams,
  type SearchResult,
  type SearchSort,
} from '../api.js';
import { ExportLinks } from '../components/ExportLinks.js';
import { ResultCard } from '../components/ResultCard.js';
import { ResultList } from '../components/ResultList.js';
import { Empty, ErrorMessage, Loading } from '../components/States.js';
import { TopicChip } from '../components/TopicChip.js';
import { type Load, useApi, useClusters, useDocumentTitle } from '../hooks.js';
import { plural, pluralAtLeast } from '../lib/format.js';
import { mapHref, type SearchKey, searchHref, searchValues } from '../lib/route.js';
import { navigate } from '../router.js';

const PAGE_SIZE = 20;

type Values = Partial<Record<SearchKey, string>>;

/** The page and the filters that searching and browsing share. */
function filterParams(values: Values, offset: number) {
  return {
    k: PAGE_SIZE,
    offset: offset || undefined,
    from: values.from,
    to: values.to,
    topic: values.topic,
    min_upvotes: values.min_upvotes,
  };
}

/** Without a query: the filters alone, newest first unless sorted by upvotes. */
function toBrowseParams(values: Values, offset: number): BrowseParams {
  return { ...filterParams(values, offset), sort: values.sort === 'upvotes' ? 'upvotes' : undefined };
}

/** URL values are passed through as typed; the server validates them and its message is shown. */
function toSearchParams(values: Values, offset: number): SearchParams {
  return {
    ...filterParams(values, offset),
    q: values.q ?? '',
    sort: values.sort as SearchSort | undefined,
    mode: values.mode as SearchMode | undefined,
  };
}

export function SearchView({ params }: { params: URLSearchParams }) {
  const values = searchValues(params);
  const key = params.toString();
  const clusters = useClusters();
  const clusterList = clusters.state === 'ready' ? clusters.data : [];
  const topic = clusterList.find((c) => String(c.id) === values.topic);
  useDocumentTitle(values.q ? `“${values.q}”` : topic ? topic.label : 'Search');

  const filtered = Boolean(values.from || values.to || values.topic || values.min_upvotes || values.sort);
  const list = useApi<Page>(
    (signal) => (values.q ? api.search(toSearchParams(values, 0), signal) : api.browse(toBrowseParams(values, 0), signal)),
    [key],
  );

  return (
    <div class="search-view">
      <h1 class="visually-hidden">Search</h1>
      <Filters values={values} clusters={clusterList} />
      {values.q || filtered ? null : <Welcome clusters={clusterList} />}
      {/* Keyed so a new query or filter starts again from the first page. */}
      <Results key={key} values={values} list={list} topic={topic} />
    </div>
  );
}

interface Page {
  total: number;
  /** A search's: 'gte' when `total` is a lower bound. */
  total_relation?: 'eq' | 'gte';
  has_more: boolean;
  took_ms: number;
  results: SearchResult[];
}

/** A query's ranked results, or (with an empty search box) the papers the filters leave, newest first. */
function Results({ values, list, topic }: { values: Values; list: Load<Page>; topic: Cluster | undefined }) {
  const query = values.q;
  const filtered = Boolean(values.from || values.to || values.topic || values.min_upvotes || values.sort);
  const [more, setMore] = useState<{ results: SearchResult[]; loading: boolean; error?: Error; hasMore?: boolean }>({
    results: [],
    loading: false,
  });
  const moreController = useRef<AbortController | undefined>(undefined);

  useEffect(() => () => moreController.current?.abort(), []);

  if (list.state === 'error') return <ErrorMessage error={list.error} context="Search failed" />;
  const page = list.state === 'ready' ? list.data : list.state === 'loading' ? list.previous : undefined;
  if (!page) return <Loading label="Searching…" />;

  const results = [...page.results, ...more.results];
  const busy = list.state === 'loading';

  const loadMore = async () => {
    moreController.current?.abort();
    const controller = new AbortController();
    moreController.current = controller;
    setMore((prev) => ({ ...prev, loading: true, error: undefined }));
    try {
      const next = query
        ? await api.search(toSearchParams(values, results.length), controller.signal)
        : await api.browse(toBrowseParams(values, results.length), controller.signal);
      setMore((prev) => ({ results: [...prev.results, ...next.results], loading: false, hasMore: next.has_more }));
    } catch (error) {
      if (!isAbort(error)) setMore((prev) => ({ ...prev, loading: false, error: error as Error }));
    }
  };

  const exported = query ? { search: toSearchParams(values, 0) } : { browse: toBrowseParams(values, 0) };
  const what = query ? `“${query}”` : topic ? `“${topic.label}”` : '';
  return (
    <section aria-labelledby="results-heading">
      <h2 id="results-heading" class="results-summary" aria-live="polite">
        {query
          ? `${page.total === 0 ? 'No results' : pluralAtLeast(page.total, page.total_relation, 'result')} for ${what}`
          : `${plural(page.total, 'paper')}${what ? ` in ${what}` : ''}, ${values.sort === 'upvotes' ? 'most upvoted' : 'newest'} first`}
        <span class="took"> · {page.took_ms.toFixed(1)} ms</span>
        {query && page.total > 0 ? (
          <>
            {' · '}
            <a class="map-link" href={mapHref(query)}>
              show on the map
            </a>
          </>
        ) : null}
      </h2>
      {page.total > 0 ? <ExportLinks url={(format) => exportUrl(exported, format)} count={Math.min(page.total, 100)} /> : null}
      {!query && filtered ? <p class="hint">Type in the search box to rank these papers by relevance.</p> : null}
      {page.total === 0 ? (
        <Empty>
          <p>{query ? `No paper matches ${what} with these filters.` : 'No paper passes these filters.'}</p>
          <p>{query ? 'Try fewer or other words, no quotes, another mode, or clear the filters.' : 'Clear or widen the filters.'}</p>
        </Empty>
      ) : (
        <ResultList label={query ? `Results for ${query}` : 'Papers'} busy={busy}>
          {results.map((result) => (
            <ResultCard key={result.id} result={result} query={query} />
          ))}
        </ResultList>
      )}
      <div class="results-bottom" data-results-for={busy ? undefined : (query ?? '')} data-count={results.length}>
        {more.error ? <ErrorMessage error={more.error} context="Could not load more results" /> : null}
        {(more.hasMore ?? page.has_more) ? (
          <button type="button" class="button" onClick={loadMore} disabled={more.loading}>
            {more.loading ? 'Loading…' : `More ${query ? 'results' : 'papers'}${moreLeft(page, results.length)}`}
          </button>
        ) : null}
      </div>
    </section>
  );
}

/** " (12 left)", or nothing when the total is only a lower bound. */
function moreLeft(page: Page, shown: number): string {
  return page.total_relation === 'gte' ? '' : ` (${page.total - shown} left)`;
}

function Filters({ values, clusters }: { values: Values; clusters: Cluster[] }) {
  const set = (key: SearchKey, value: string) => navigate(searchHref({ ...values, [key]: value }));
  const year = (date: string | undefined) => date?.slice(0, 4) ?? '';
  const onYear = (key: 'from' | 'to') => (event: Event) => {
    const value = (event.currentTarget as HTMLInputElement).value.trim();
    if (value && !/^\d{4}$/.test(value)) return;
    set(key, value ? `${value}-${key === 'from' ? '01-01' : '12-31'}` : '');
  };
  const onValue = (key: SearchKey) => (event: Event) => set(key, (event.currentTarget as HTMLInputElement | HTMLSelectElement).value);
  const active = Boolean(values.from || values.to || values.topic || values.min_upvotes || values.sort || values.mode);

  return (
    <form class="filters" aria-label="Search filters" onSubmit={(event) => event.preventDefault()}>
      <div class="field">
        <label for="filter-topic">Topic</label>
        <select id="filter-topic" value={values.topic ?? ''} onChange={onValue('topic')}>
          <option value="">All topics</option>
          {clusters.map((cluster) => (
            <option key={cluster.id} value={String(cluster.id)}>
              {cluster.label} ({cluster.size})
            </option>
          ))}
        </select>
      </div>
      {(['from', 'to'] as const).map((bound) => (
        <div class="field field-narrow" key={bound}>
          <label for={`filter-${bound}`}>{bound === 'from' ? 'From year' : 'To year'}</label>
          <input
            id={`filter-${bound}`}
            type="number"
            inputMode="numeric"
            min={1900}
            max={2100}
            placeholder="any"
            value={year(values[bound])}
            onChange={onYear(bound)}
          />
        </div>
      ))}
      <div class="field field-narrow">
        <label for="filter-upvotes">Min. upvotes</label>
        <input
          id="filter-upvotes"
          type="number"
          min={0}
          placeholder="0"
          value={values.min_upvotes ?? ''}
          onChange={onValue('min_upvotes')}
        />
      </div>
      <div class="field">
        <label for="filter-sort">Sort by</label>
        <select id="filter-sort" value={values.sort ?? (values.q ? 'relevance' : 'date')} onChange={onValue('sort')}>
          {values.q ? <option value="relevance">Relevance</option> : null}
          <option value="date">Newest first</option>
          <option value="upvotes">Most upvoted</option>
        </select>
      </div>
      <details class="advanced" open={Boolean(values.mode)}>
        <summary>Advanced</summary>
        <div class="field">
          <label for="filter-mode">Retrieval mode</label>
          <select id="filter-mode" value={values.mode ?? 'hybrid'} onChange={onValue('mode')}>
            <option value="hybrid">Hybrid (words + meaning)</option>
            <option value="vector">Vector (meaning only)</option>
            <option value="lexical">Lexical (exact words)</option>
          </select>
        </div>
      </details>
      {active ? (
        <a class="clear-filters" href={searchHref({ q: values.q })}>
          Clear filters
        </a>
      ) : null}
    </form>
  );
}

function Welcome({ clusters }: { clusters: Cluster[] }) {
  return (
    <Empty>
      <p class="welcome-lead">Search titles and abstracts by words and by meaning.</p>
      <p>
        Press <kbd>/</kbd> to focus the search box, <kbd>↓</kbd> <kbd>↑</kbd> to move through results and <kbd>Enter</kbd> to open one.
      </p>
      {clusters.length > 0 ? (
        <>
          <p>Or browse a topic:</p>
          <p class="chips">
            {clusters.map((cluster) => (
              <TopicChip key={cluster.id} cluster={{ id: cluster.id, label: cluster.label }} />
            ))}
          </p>
        </>
      ) : null}
    </Empty>
  );
}
