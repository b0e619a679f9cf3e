import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Three arXiv entries, newest submission first, as the API sorts them with sortBy=submittedDate. */
export const ARXIV_ENTRIES = [
  {
    id: '2601.00003',
    title: 'Wombat attention for streaming speech',
    summary: 'We stream speech recognition with wombat attention, halving latency.',
    published: '2026-01-12T18:00:00Z',
    category: 'cs.CL',
  },
  {
    id: '2601.00002',
    title: 'Sparse reward shaping under label noise',
    summary: 'Reward shaping stays stable when a fifth of the labels are noisy.',
    published: '2026-01-11T18:00:00Z',
    category: 'cs.LG',
  },
  {
    id: '2601.00001',
    title: 'Retrieval heads in small language models',
    summary: 'A handful of attention heads retrieve facts from long contexts in small models.',
    published: '2026-01-10T18:00:00Z',
    category: 'cs.CL',
  },
];

/** Two daily papers of 2026-01-12: one is arXiv's 2601.00002 (with upvotes), one is only here. */
export const DAILY_PAPERS = [
  {
    paper: {
      id: '2601.00002',
      title: 'Sparse reward shaping under label noise',
      summary: 'Reward shaping stays stable when a fifth of the labels are noisy.',
      authors: [{ name: 'A. Author', hidden: false }],
      publishedAt: '2026-01-11T18:00:00.000Z',
      upvotes: 42,
    },
    numComments: 3,
  },
  {
    paper: {
      id: '2601.00009',
      title: 'Tiny vision transformers on a budget',
      summary: 'Vision transformers trained for a dollar reach ResNet-50 accuracy.',
      authors: [{ name: 'Grace Hopper' }],
      publishedAt: '2026-01-12T10:00:00.000Z',
      upvotes: 7,
    },
  },
];

/** arXiv's Atom for `entries` out of `total` results. */
export function atomFeed(entries: typeof ARXIV_ENTRIES, total: number, start: number): string {
  const items = entries
    .map(
      (entry) => `  <entry>
    <id>http://arxiv.org/abs/${entry.id}v1</id>
    <published>${entry.published}</published>
    <title>${entry.title}</title>
    <summary>${entry.summary}</summary>
    <author><name>A. Author</name></author>
    <link href="http://arxiv.org/abs/${entry.id}v1" rel="alternate" type="text/html"/>
    <category term="${entry.category}" scheme="http://arxiv.org/schemas/atom"/>
  </entry>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
  <title>arXiv Query</title>
  <opensearch:totalResults>${total}</opensearch:totalResults>
  <opensearch:startIndex>${start}</opensearch:startIndex>
${items}
</feed>
`;
}

type Scripted = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

export interface StandIn {
  /** Base URL: arXiv at `${url}/api/query`, Hugging Face at `${url}` (HF_ENDPOINT). */
  url: string;
  /** The daily papers of 2026-01-12 it serves: a test adds one to see it arrive. */
  daily: unknown[];
  /** Every request's path and query, in order. */
  requests: string[];
  /** Makes the next request whose path and query contain `match` answer `status` with `body`, or hang (`'hang'`). */
  failNext(match: string, answer: Scripted): void;
  close(): Promise<void>;
}

/**
 * The two APIs as documented, on 127.0.0.1 and a free port: arXiv pages of at most 2 entries
 * (whatever `max_results` asks), daily papers by `date`. The first request to each API is answered
 * 503 with `Retry-After: 1`, as a busy server does.
 */
export async function startStandIn(options: { pageSize?: number } = {}): Promise<StandIn> {
  const pageSize = options.pageSize ?? 2;
  const requests: string[] = [];
  const daily: unknown[] = [...DAILY_PAPERS];
  const answered = new Set<string>();
  const queued: Array<{ match: string; answer: Scripted }> = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    requests.push(`${url.pathname}${url.search}`);
    const position = queued.findIndex(({ match }) => `${url.pathname}${url.search}`.includes(match));
    const scripted = position === -1 ? undefined : queued.splice(position, 1)[0]?.answer;
    if (scripted === 'hang') return;
    if (scripted) {
      response.writeHead(scripted.status, scripted.headers).end(scripted.body ?? '');
      return;
    }
    if (!answered.has(url.pathname)) {
      answered.add(url.pathname);
      response.writeHead(503, { 'retry-after': '1' }).end('busy');
      return;
    }
    if (url.pathname === '/api/query') {
      const start = Number(url.searchParams.get('start') ?? 0);
      const count = Math.min(pageSize, Number(url.searchParams.get('max_results') ?? 10));
      response
        .writeHead(200, { 'content-type': 'application/atom+xml' })
        .end(atomFeed(ARXIV_ENTRIES.slice(start, start + count), ARXIV_ENTRIES.length, start));
      return;
    }
    if (url.pathname === '/api/daily_papers') {
      const papers = url.searchParams.get('date') === '2026-01-12' ? daily : [];
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(papers));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    daily,
    requests,
    failNext(match, answer) {
      queued.push({ match, answer });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
