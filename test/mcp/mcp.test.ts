import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../core/config.js';
import { PROJECT_ROOT } from '../../core/version.js';
import { LiveEngine, SearchEngine } from '../../server/engine/index.js';
import { createApp } from '../../server/index.js';
import { INDEX_SAMPLE_MS } from '../helpers/limits.js';
import { buildSampleIndex } from '../helpers/sample-index.js';
import { cliEntry } from '../reliability/cli.js';

const TOOLS = ['ask', 'get_paper', 'list_topics', 'search_papers', 'similar_papers', 'topic_papers'];
/** The sample's paper on noisy rewards (test/eval/short-queries.json grades it 3 for "reward noise"). */
const SEED = 'The Climb Carves Wisdom Deeper Than the Summit: On the Noisy Rewards in Learning to Reason';
const TOKEN = 'mcp test token';

type ToolResult = Awaited<ReturnType<Client['callTool']>>;

// biome-ignore lint/suspicious/noExplicitAny: tool results are JSON checked by assertions, not types.
function parsed(result: ToolResult): any {
  const [first] = result.content as Array<{ type: string; text: string }>;
  expect(first?.type).toBe('text');
  return JSON.parse(first?.text ?? 'null');
}

function errorText(result: ToolResult): string {
  expect(result.isError).toBe(true);
  return (result.content as Array<{ text: string }>).map(({ text }) => text).join(' ');
}

describe('paperscope mcp (stdio), driven by the SDK client', () => {
  let client: Client;
  let stderr = '';

  beforeAll(async () => {
    const dataDir = await buildSampleIndex();
    // `node <the CLI as JavaScript> mcp --data-dir …`, as an assistant starts `dist/cli/main.js`.
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [cliEntry(), 'mcp', '--data-dir', dataDir],
      cwd: PROJECT_ROOT,
      env: { ...(process.env as Record<string, string>), PAPERSCOPE_RELOAD_INTERVAL_MS: '0' },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    client = new Client({ name: 'paperscope-test', version: '1.0.0' });
    await client.connect(transport);
  }, INDEX_SAMPLE_MS);
  afterAll(() => client?.close());

  it('lists the tools, with input schemas from the API schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(TOOLS);
    const search = tools.find((tool) => tool.name === 'search_papers');
    expect(search?.inputSchema.required).toEqual(['query']);
    expect(search?.inputSchema.properties).toMatchObject({
      k: { default: 10, maximum: 100 },
      mode: { enum: ['hybrid', 'vector', 'lexical'] },
      min_upvotes: {},
    });
    expect(stderr).toContain('Paperscope MCP server on stdio: 62 papers');
  });

  it('finds the seed papers for "reward noise"', async () => {
    const response = parsed(await client.callTool({ name: 'search_papers', arguments: { query: 'reward noise', k: 5 } }));
    const titles = response.results.map((hit: { title: string }) => hit.title);
    expect(titles).toHaveLength(5);
    expect(titles.slice(0, 3)).toContain(SEED);
    expect(response.total).toBeGreaterThan(5);
    expect(response.results[0]).not.toHaveProperty('highlights');
  });

  it('validates arguments with the API schema: a bad filter is a tool error naming it', async () => {
    const reversed = await client.callTool({ name: 'search_papers', arguments: { query: 'reward', from: '2026-02', to: '2025' } });
    expect(errorText(reversed)).toContain('"from"');
    const tooMany = await client.callTool({ name: 'search_papers', arguments: { query: 'reward', k: 500 } });
    expect(errorText(tooMany)).toContain('k');
  });

  it('reads a paper, its related papers, the topics and a topic, and names an unknown id', async () => {
    const [hit] = parsed(await client.callTool({ name: 'search_papers', arguments: { query: SEED, k: 1 } })).results;
    const paper = parsed(await client.callTool({ name: 'get_paper', arguments: { id: hit.id } }));
    expect(paper).toMatchObject({ id: hit.id, title: SEED, abstract: expect.stringContaining('reward') });
    const similar = parsed(await client.callTool({ name: 'similar_papers', arguments: { id: hit.id, k: 3 } }));
    expect(similar.results.length).toBeGreaterThan(0);
    expect(similar.results.map((each: { id: string }) => each.id)).not.toContain(hit.id);
    const { topics } = parsed(await client.callTool({ name: 'list_topics', arguments: {} }));
    expect(topics.reduce((sum: number, topic: { size: number }) => sum + topic.size, 0)).toBe(62);
    const topic = parsed(await client.callTool({ name: 'topic_papers', arguments: { topic: paper.cluster.id } }));
    expect(topic.papers.map((each: { id: string }) => each.id)).toContain(hit.id);
    expect(errorText(await client.callTool({ name: 'get_paper', arguments: { id: 'no-such-paper' } }))).toContain('no-such-paper');
  });

  it('answers with citations of the papers it quotes', async () => {
    const answer = parsed(
      await client.callTool({
        name: 'ask',
        arguments: { question: 'How robust is reinforcement learning for reasoning to noisy rewards?' },
      }),
    );
    expect(answer.grounded).toBe(true);
    expect(answer.citations.length).toBeGreaterThan(0);
    expect(answer.citations.map((citation: { title: string }) => citation.title)).toEqual(expect.arrayContaining([SEED]));
  });

  it('lists the papers as paper:// resources and reads one', async () => {
    const { resources } = await client.listResources();
    expect(resources).toHaveLength(62);
    const seed = resources.find((resource) => resource.name === SEED);
    expect(seed?.uri).toMatch(/^paper:\/\//);
    const { contents } = await client.readResource({ uri: seed?.uri as string });
    expect(JSON.parse((contents[0] as { text: string }).text)).toMatchObject({ title: SEED });
  });
});

describe('/mcp over streamable HTTP (serve --mcp)', () => {
  let live: LiveEngine;
  let app: Hono;

  beforeAll(async () => {
    const options = { dataDir: await buildSampleIndex(), cacheDir: readSettings().cacheDir, offline: true };
    live = new LiveEngine(await SearchEngine.open(options), options);
    app = createApp({ engine: live, http: { adminToken: TOKEN }, mcp: true });
  }, INDEX_SAMPLE_MS);
  afterAll(() => live?.close());

  /** An SDK client whose requests go straight to the Hono app. */
  function httpClient(token?: string): { client: Client; transport: StreamableHTTPClientTransport } {
    const transport = new StreamableHTTPClientTransport(new URL('http://paperscope.test/mcp'), {
      requestInit: token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } },
      fetch: async (url, init) => app.request(String(url), init),
    });
    return { client: new Client({ name: 'paperscope-http-test', version: '1.0.0' }), transport };
  }

  it('serves the tools to a client with the admin token', async () => {
    const { client, transport } = httpClient(TOKEN);
    await client.connect(transport);
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual(TOOLS);
      const response = parsed(await client.callTool({ name: 'search_papers', arguments: { query: 'reward noise', k: 5 } }));
      expect(response.results.slice(0, 3).map((hit: { title: string }) => hit.title)).toContain(SEED);
    } finally {
      await client.close();
    }
  });

  it('refuses a client without the token, or with a wrong one (401)', async () => {
    for (const token of [undefined, 'wrong token']) {
      const { client, transport } = httpClient(token);
      await expect(client.connect(transport)).rejects.toThrow(/401|Unauthorized|Authorization/i);
      const response = await app.request('/mcp', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }) },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('Bearer');
    }
  });

  it('is off unless asked for, and refused without an admin token to guard it', async () => {
    const plain = createApp({ engine: live, http: { adminToken: TOKEN } });
    const response = await plain.request('/mcp', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(404);
    expect(() => createApp({ engine: live, http: { adminToken: undefined }, mcp: true })).toThrow(/PAPERSCOPE_ADMIN_TOKEN/);
  });
});
