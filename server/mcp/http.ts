import { Hono } from 'hono';
import { PaperscopeError } from '../../core/errors.js';
import type { LiveEngine } from '../engine/index.js';
import { adminAuth } from '../middleware/index.js';

/** The admin token that guards `/mcp`; without one, `serve --mcp` is refused rather than left open or shut. */
export function mcpToken(adminToken: string | undefined): string {
  if (adminToken) return adminToken;
  throw new PaperscopeError(
    'INVALID_CONFIG',
    'MCP over HTTP (--mcp) needs PAPERSCOPE_ADMIN_TOKEN: /mcp answers only requests that carry it.',
    {
      variable: 'PAPERSCOPE_ADMIN_TOKEN',
    },
  );
}

/**
 * The MCP server over streamable HTTP (`serve --mcp`), behind the admin token. Stateless: each POST
 * gets its own server and transport, so no state (or response) is shared between clients, and the
 * answer is one JSON body. Without sessions there is no server-sent stream to open or close, so
 * GET and DELETE answer 405.
 */
export function mcpRoutes(options: { live: LiveEngine; token: string; maxBodyBytes: number }): Hono {
  const mcp = new Hono();
  mcp.use('*', adminAuth(options.token));
  mcp.post('/', async (c) => {
    // Loaded on the first request, not at every `serve`'s start: the SDK and its schemas cost ≈ 0.1 s of CPU.
    const [{ WebStandardStreamableHTTPServerTransport }, { createMcpServer }] = await Promise.all([
      import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'),
      import('./server.js'),
    ]);
    const server = createMcpServer((task) => options.live.use(task));
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      maxRequestBodySize: options.maxBodyBytes,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw);
    } finally {
      await server.close();
    }
  });
  mcp.all('/', (c) =>
    c.json(
      { jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP endpoint is stateless; POST to it.' }, id: null },
      405,
      {
        Allow: 'POST',
      },
    ),
  );
  return mcp;
}
