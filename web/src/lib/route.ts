/** Routes are plain history URLs so they can be shared and the back button works. */
export type Route =
  | { name: 'search'; params: URLSearchParams }
  | { name: 'paper'; id: string }
  | { name: 'topics' }
  | { name: 'map'; query: string }
  | { name: 'ask'; question: string }
  | { name: 'not-found'; path: string };

export function parseRoute(pathname: string, search: string): Route {
  const params = new URLSearchParams(search);
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/search') return { name: 'search', params };
  if (path === '/topics') return { name: 'topics' };
  if (path === '/map') return { name: 'map', query: params.get('q') ?? '' };
  if (path === '/ask') return { name: 'ask', question: params.get('q') ?? '' };
  const paper = /^\/paper\/([^/]+)$/.exec(path);
  if (paper?.[1]) {
    try {
      return { name: 'paper', id: decodeURIComponent(paper[1]) };
    } catch {
      return { name: 'not-found', path };
    }
  }
  return { name: 'not-found', path };
}

/** The search filters kept in the URL, in the API's own parameter names. */
export const SEARCH_KEYS = ['q', 'from', 'to', 'topic', 'min_upvotes', 'sort', 'mode'] as const;
export type SearchKey = (typeof SEARCH_KEYS)[number];

export function searchHref(values: Partial<Record<SearchKey, string | undefined>>): string {
  const params = new URLSearchParams();
  for (const key of SEARCH_KEYS) {
    const value = values[key];
    if (value) params.set(key, value);
  }
  const text = params.toString();
  return text ? `/?${text}` : '/';
}

export function searchValues(params: URLSearchParams): Partial<Record<SearchKey, string>> {
  const values: Partial<Record<SearchKey, string>> = {};
  for (const key of SEARCH_KEYS) {
    const value = params.get(key);
    if (value) values[key] = value;
  }
  return values;
}

export const paperHref = (id: string) => `/paper/${encodeURIComponent(id)}`;
export const topicHref = (topic: number, q?: string) => searchHref({ topic: String(topic), q });
/** The map, with the results of a search highlighted when `q` is given. */
export const mapHref = (q?: string) => (q ? `/map?${new URLSearchParams({ q })}` : '/map');
export const askHref = (question: string) => (question ? `/ask?${new URLSearchParams({ q: question })}` : '/ask');
