import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { APP_VERSION } from '../../core/version.js';
import { askSchema, type SearchEngine, type SearchHit, searchParamsSchema, similarParamsSchema } from '../engine/index.js';
import { validate } from '../routes/index.js';

/**
 * Runs `task` on the engine to answer with; the served index may be swapped between two calls
 * (`LiveEngine.use`), never during one.
 */
export type WithEngine = <T>(task: (engine: SearchEngine) => T | Promise<T>) => Promise<T>;

/** Papers listed as resources; the rest are still read by id, and found with search_papers. */
const LISTED_PAPERS = 1_000;

const INSTRUCTIONS =
  'Paperscope is a local index of research papers (titles and abstracts). Find papers with search_papers, read one with get_paper ' +
  '(or the paper://{id} resource), follow related work with similar_papers, browse topics with list_topics and topic_papers, ' +
  'and answer questions from the abstracts with ask, whose claims quote the papers they cite. Ids are those the results show.';

const { q, ...filters } = searchParamsSchema.shape;

/** The search parameters of the HTTP API (one schema validates both), with `q` spelled out as `query`. */
const searchInput = z
  .object({
    query: q.describe('what to look for: words, a phrase in "double quotes", or a question'),
    ...filters,
    k: filters.k.describe('number of results (1-100)'),
    mode: filters.mode.describe('hybrid (default) fuses keyword and semantic ranking; lexical or vector use one'),
    from: filters.from.describe('earliest date: YYYY, YYYY-MM or YYYY-MM-DD'),
    to: filters.to.describe('latest date: YYYY, YYYY-MM or YYYY-MM-DD'),
    topic: filters.topic.describe('only papers of this topic id (list_topics)'),
    min_upvotes: filters.min_upvotes.describe('only papers with at least this many upvotes'),
    sort: filters.sort.describe('relevance (default), date (newest first) or upvotes'),
  })
  .strict();

const paperId = z.string().trim().min(1, 'must not be empty').max(300).describe('a paper id, as search results show it');
const topicId = z.coerce.number().int().min(0).describe('a topic id, as list_topics shows it');

/** The answer as the assistant reads it: JSON text, the shapes of docs/api.md. */
function json(value: unknown) {
  return { content: [{ type: 'text' as const, text: JSON.stringify(value) }] };
}

/** Match offsets help a page draw highlights, not an assistant read results. */
function withoutHighlights<Hit extends SearchHit>(results: Hit[]): Array<Omit<Hit, 'highlights'>> {
  return results.map(({ highlights: _highlights, ...hit }) => hit);
}

/**
 * The MCP server: tools over the engine's operations and the papers as `paper://{id}` resources.
 * Arguments are validated by the same zod schemas as the HTTP API's parameters, and errors come
 * back as tool errors with the catalog's message (an unknown id names the id).
 *
 * @example
 * const server = createMcpServer((task) => live.use(task));
 * await server.connect(new StdioServerTransport());
 */
export function createMcpServer(withEngine: WithEngine): McpServer {
  const server = new McpServer({ name: 'paperscope', version: APP_VERSION }, { instructions: INSTRUCTIONS });

  server.registerTool(
    'search_papers',
    {
      title: 'Search papers',
      description:
        'Search the indexed papers by keywords and meaning, with optional filters (dates, topic, upvotes). Returns the total count (at least that many when total_relation is gte: counting stops at 1,000) and the results: id, title, date, topic, snippet, score.',
      inputSchema: searchInput,
      annotations: { readOnlyHint: true },
    },
    async ({ query, ...rest }) => {
      const params = validate(searchParamsSchema, { ...rest, q: query });
      const response = await withEngine((engine) => engine.search(params));
      return json({ ...response, results: withoutHighlights(response.results) });
    },
  );

  server.registerTool(
    'get_paper',
    {
      title: 'Get a paper',
      description: 'One paper in full: title, abstract, authors, date, categories, upvotes, link and topic.',
      inputSchema: z.object({ id: paperId }).strict(),
      annotations: { readOnlyHint: true },
    },
    async ({ id }) => json(await withEngine((engine) => engine.paper(id))),
  );

  server.registerTool(
    'similar_papers',
    {
      title: 'Related papers',
      description:
        'Papers related to a paper, each with the distinctive terms the two share; fewer (or none, with a note) when few are close.',
      inputSchema: z.object({ id: paperId, k: similarParamsSchema.shape.k.describe('number of papers (1-100)') }).strict(),
      annotations: { readOnlyHint: true },
    },
    async ({ id, k }) => {
      const response = await withEngine((engine) => engine.similar(id, k));
      return json({ ...response, results: withoutHighlights(response.results) });
    },
  );

  server.registerTool(
    'list_topics',
    {
      title: 'List topics',
      description: 'The topics the papers are clustered into: id, label, size, keywords, representative papers and date range.',
      annotations: { readOnlyHint: true },
    },
    async () => {
      const { clusters } = await withEngine((engine) => engine.clusters());
      return json({
        topics: clusters.map(({ id, label, size, keywords, representatives, first, last }) => ({
          id,
          label,
          size,
          keywords,
          representatives,
          first,
          last,
        })),
      });
    },
  );

  server.registerTool(
    'topic_papers',
    {
      title: 'Papers of a topic',
      description: "One topic with all its papers (id and title), its keywords and the papers' months.",
      inputSchema: z.object({ topic: topicId }).strict(),
      annotations: { readOnlyHint: true },
    },
    async ({ topic }) => json(await withEngine((engine) => engine.cluster(topic))),
  );

  server.registerTool(
    'ask',
    {
      title: 'Ask the papers',
      description:
        "Answer a question from the abstracts' own sentences: numbered claims, each quoting the paper it cites (citations), and papers to see also. Questions the papers do not answer are refused (grounded: false).",
      inputSchema: askSchema.extend({ question: askSchema.shape.question.describe('a question in plain language') }),
      annotations: { readOnlyHint: true },
    },
    async (params) => json(await withEngine((engine) => engine.ask(params))),
  );

  server.registerResource(
    'paper',
    new ResourceTemplate('paper://{id}', {
      list: () =>
        withEngine((engine) => ({
          resources: engine
            .map()
            .points.slice(0, LISTED_PAPERS)
            .map((point) => ({ uri: `paper://${encodeURIComponent(point.id)}`, name: point.title, mimeType: 'application/json' })),
        })),
    }),
    { title: 'Paper', description: 'A paper in full (the JSON of get_paper)', mimeType: 'application/json' },
    async (uri, { id }) => {
      const paper = await withEngine((engine) => engine.paper(decodeURIComponent(String(id))));
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(paper) }] };
    },
  );

  return server;
}
