import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';

/** Searches sent at once: the worker answers them one at a time, but its HTTP client and server code interleave as under load. */
const WARM_UP_CONNECTIONS = 8;

/** The papers whose titles the warm-up's queries are cut from (one page of `/api/papers`, newest first). */
const WARM_UP_TITLES = 100;

/**
 * `count` search queries of 2–4 consecutive words of `titles`, as a person types them: each title
 * in turn, the window moving along it on each round. Empty when no title has two words.
 */
export function warmUpQueries(titles: readonly string[], count: number): string[] {
  const wordLists = titles.map((title) => title.split(/\s+/).filter(Boolean)).filter((words) => words.length >= 2);
  const queries: string[] = [];
  for (let n = 0; n < count && wordLists.length > 0; n++) {
    const words = wordLists[n % wordLists.length] as string[];
    const length = Math.min(words.length, 2 + (n % 3));
    const start = Math.floor(n / wordLists.length) % (words.length - length + 1);
    queries.push(words.slice(start, start + length).join(' '));
  }
  return queries;
}

/**
 * Runs `searches` searches through `fetch` over HTTP on a private loopback port before a serve
 * worker takes traffic, so that V8 has optimised the whole request path (Node's HTTP parser and
 * writes, the router, zod, the ranking, the snippets, the JSON) by the time the shared port hands
 * it connections. Without it a worker's first ≈ 1,500–2,000 requests cost 1.5–1.7× the CPU of
 * later ones, and in a closed loop the ≈ 25 requests queued behind each wait as long: the slowest
 * 1 % came from them (docs/scaling.md, h25p). The queries come from the index's own titles.
 */
export async function warmUp(fetch: Hono['fetch'], searches: number): Promise<void> {
  if (searches <= 0) return;
  const server = createAdaptorServer({ fetch });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Exclusive: in a cluster worker a port is otherwise shared through the primary.
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: true, maxSockets: WARM_UP_CONNECTIONS });
  try {
    const page = JSON.parse(await get(agent, port, `/api/papers?k=${WARM_UP_TITLES}`)) as { results?: Array<{ title?: unknown }> };
    const titles = (page.results ?? []).map(({ title }) => (typeof title === 'string' ? title : ''));
    const queries = warmUpQueries(titles, searches);
    let next = 0;
    const connection = async () => {
      while (next < queries.length) await get(agent, port, `/api/search?q=${encodeURIComponent(queries[next++] as string)}`);
    };
    await Promise.all(Array.from({ length: WARM_UP_CONNECTIONS }, connection));
  } finally {
    agent.destroy();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      if ('closeAllConnections' in server) server.closeAllConnections();
    });
  }
}

/** The body of a GET to the warm-up's own port, whatever its status: a failing search warms the same code. */
function get(agent: http.Agent, port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => resolve(body));
        response.on('error', reject);
      })
      .on('error', reject);
  });
}
